package client

import (
	"context"
	"errors"

	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/condorerr"
	"github.com/condor-auth/condor-auth/pkg/locate"
)

// querier runs the locator's collector queries over CEDAR: connect to the
// collector (shared port when its address says so), the security handshake
// for the QUERY_*_ADS command (READ level), the query ad, and the reply
// {int 1, ad}… int 0 (cedar.md §6.5).
type querier struct{ c *Client }

// Query implements locate.Querier. Errors are condorerr chains in the
// style of CondorQuery: CEDAR:6001 for a failed connect, the handshake's
// chain, or a failed exchange.
func (q querier) Query(ctx context.Context, collector locate.Sinful, query locate.Query) ([]*classad.Ad, error) {
	c := q.c
	ad, err := query.Ad()
	if err != nil {
		return nil, condorerr.New("CONDOR_STATUS", 1, "Failed to build the collector query").WithCause(err)
	}
	addr := collector.String()
	loc := &locate.Location{Addr: addr, Sinful: collector, Alias: collector.Alias()}
	c.debugf("Querying collector %s (command %d, %s)", addr, query.Command, query.TargetType)
	cn, err := c.open(ctx, loc, startSpec{cmd: query.Command})
	if err != nil {
		var ce *connectError
		if errors.As(err, &ce) {
			return nil, condorerr.New("CEDAR", 6001, "Failed to connect to %s", addr).WithCause(ctxCause(ctx, err))
		}
		return nil, err
	}
	defer cn.close()
	if err := locate.WriteQuery(cn.s, ad); err != nil {
		return nil, condorerr.New("CONDOR_STATUS", 1, "Failed to send query to collector %s", addr).WithCause(ctxCause(ctx, err))
	}
	ads, err := locate.ReadQueryReply(cn.s, MaxQueryAds)
	if err != nil {
		return nil, condorerr.New("CONDOR_STATUS", 1, "Failed to get query response from collector %s", addr).WithCause(ctxCause(ctx, err))
	}
	c.debugf("Collector %s returned %d ad(s)", addr, len(ads))
	return ads, nil
}
