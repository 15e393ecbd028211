package tokenreq

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type transcript struct {
	Token struct {
		Payload struct {
			Exp   int64  `json:"exp"`
			Iat   int64  `json:"iat"`
			Scope string `json:"scope"`
			Sub   string `json:"sub"`
		} `json:"payload"`
	} `json:"token"`
	Decoded []struct {
		CommandName string `json:"command_name"`
		Messages    []struct {
			What   string `json:"what"`
			Values []struct {
				ClassAd []string `json:"classad"`
			} `json:"values"`
		} `json:"messages"`
	} `json:"decoded"`
}

// ads returns the ClassAds of one connection's messages whose "what"
// mentions substr, in wire order.
func (tr *transcript) ads(conn int, substr string) [][]string {
	var out [][]string
	for _, m := range tr.Decoded[conn].Messages {
		if !strings.Contains(m.What, substr) {
			continue
		}
		for _, v := range m.Values {
			if v.ClassAd != nil {
				out = append(out, v.ClassAd)
			}
		}
	}
	return out
}

// adValue returns the literal of name in an ad ("" if absent), unquoted.
func adValue(ad []string, name string) string {
	for _, l := range ad {
		if n, v, ok := strings.Cut(l, " = "); ok && n == name {
			if s, err := strconv.Unquote(v); err == nil {
				return s
			}
			return v
		}
	}
	return ""
}

// TestTranscriptFlow replays the daemon side of token_request_approve.json
// (acceptance RW-12): the START request ad queues a request whose LIST ad
// is byte-for-byte the one the real collector sent, APPROVE answers
// ErrorCode 0 and FINISH returns a token for the requested sub, scope and
// lifetime.
func TestTranscriptFlow(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "vectors", "transcripts", "token_request_approve.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tr transcript
	if err := json.Unmarshal(raw, &tr); err != nil {
		t.Fatal(err)
	}
	if len(tr.Decoded) != 5 {
		t.Fatalf("transcript has %d connections, want 5", len(tr.Decoded))
	}

	// Connection 1: START over SSL without a client certificate.
	post := tr.ads(0, "post-auth")[0]
	startAd := tr.ads(0, "DC_START_TOKEN_REQUEST request")[0]
	startReply := tr.ads(0, "DC_START_TOKEN_REQUEST reply")[0]
	wantID := adValue(startReply, "RequestId")
	idNum, _ := strconv.ParseUint(wantID, 10, 64)
	lifetime, _ := strconv.ParseInt(adValue(startAd, "TokenLifetime"), 10, 64)

	s := openMem(t, Options{Rand: ids(idNum + 3*maxID)}) // the modulo is applied
	ssl := Caller{FQU: adValue(post, "User"), Peer: localhost, Authenticated: true, Encrypted: true}
	signer := &fakeSigner{}
	res, err := s.Start(t0, ssl, StartRequest{
		RequestedIdentity: adValue(startAd, "User"),
		ClientID:          adValue(startAd, "ClientId"),
		Lifetime:          lifetime,
		Authz:             []string{adValue(startAd, "LimitAuthorization")},
	}, signer)
	noErr(t, err)
	if diff := cmp.Diff([]string{`RequestId = "` + res.RequestID + `"`}, startReply); diff != "" || res.Token != "" {
		t.Fatalf("START reply (-got +want):\n%s token %q", diff, res.Token)
	}

	// Connections 2 and 3: LIST, unfiltered and filtered, by the admin.
	for conn, filter := range map[int]string{1: "", 2: wantID} {
		if got := adValue(tr.ads(conn, "DC_LIST_TOKEN_REQUEST request")[0], "RequestId"); got != filter {
			t.Fatalf("connection %d filter %q, want %q", conn+1, got, filter)
		}
		reqs, err := s.List(at(1), admin, filter)
		noErr(t, err)
		replies := tr.ads(conn, "DC_LIST_TOKEN_REQUEST reply")
		if len(reqs) != len(replies)-1 {
			t.Fatalf("connection %d: %d requests, transcript has %d", conn+1, len(reqs), len(replies)-1)
		}
		if diff := cmp.Diff(replies[0], render(reqs[0].AdAttrs())); diff != "" {
			t.Fatalf("LIST ad (-transcript +got):\n%s", diff)
		}
	}

	// Connection 4: APPROVE.
	approveAd := tr.ads(3, "DC_APPROVE_TOKEN_REQUEST request")[0]
	if err := s.Approve(at(1), admin, adValue(approveAd, "RequestId"), adValue(approveAd, "ClientId"), signer); err != nil {
		t.Fatalf("APPROVE: %v (transcript: %v)", err, tr.ads(3, "DC_APPROVE_TOKEN_REQUEST reply")[0])
	}

	// Connection 5: FINISH on the requester's resumed session.
	finishAd := tr.ads(4, "DC_FINISH_TOKEN_REQUEST request")[0]
	tok, err := s.Finish(at(1), ssl, adValue(finishAd, "RequestId"), adValue(finishAd, "ClientId"))
	noErr(t, err)
	if tok == "" {
		t.Fatal("FINISH returned no token")
	}
	p := tr.Token.Payload
	want := signCall{Identity: p.Sub, Authz: []string{strings.TrimPrefix(p.Scope, "condor:/")}, Lifetime: p.Exp - p.Iat}
	if diff := cmp.Diff(want, signer.lastCall()); diff != "" {
		t.Fatalf("token claims (-transcript +signed):\n%s", diff)
	}
	wantErr(t, func() error { _, err := s.Finish(at(2), ssl, wantID, adValue(finishAd, "ClientId")); return err }(),
		3, "Request ID is not known.")
}
