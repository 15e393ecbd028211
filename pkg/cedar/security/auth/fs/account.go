package fs

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/condor-auth/condor-auth/pkg/osuser"
)

// Account is a Unix account: the HTCondor service account a root client
// creates its directory as.
type Account struct {
	// Uid and Gid are the numeric ids.
	Uid, Gid int
	// Name is the login name ("" when the password file has no entry).
	Name string
}

// ServiceAccountName is the account HTCondor looks for when CONDOR_IDS is
// not set (init_condor_ids).
const ServiceAccountName = "condor"

// LookupServiceAccount finds the HTCondor service account like
// init_condor_ids (cedar.md §5.6): the "uid.gid" value of CONDOR_IDS when
// set, else the "condor" user of the password file (no NSS).
func LookupServiceAccount(condorIDs string) (Account, error) {
	if v := strings.TrimSpace(condorIDs); v != "" {
		u, g, ok := strings.Cut(v, ".")
		uid, err1 := strconv.Atoi(strings.TrimSpace(u))
		gid, err2 := strconv.Atoi(strings.TrimSpace(g))
		if !ok || err1 != nil || err2 != nil || uid < 0 || gid < 0 {
			return Account{}, fmt.Errorf("CONDOR_IDS = %q is not of the form uid.gid (e.g. 999.995)", condorIDs)
		}
		a := Account{Uid: uid, Gid: gid}
		if pw, err := osuser.LookupUid(uid); err == nil {
			a.Name = pw.Name
		}
		return a, nil
	}
	pw, err := osuser.LookupName(ServiceAccountName)
	if err != nil {
		return Account{}, fmt.Errorf("can't find %q in the password file and CONDOR_IDS not defined: %w", ServiceAccountName, err)
	}
	return Account{Uid: pw.Uid, Gid: pw.Gid, Name: pw.Name}, nil
}
