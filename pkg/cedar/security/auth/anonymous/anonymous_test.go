package anonymous

import (
	"context"
	"encoding/hex"
	"errors"
	"io"
	"testing"

	"github.com/condor-auth/condor-auth/internal/transcript"
	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/google/go-cmp/cmp"
)

// The only message of cedar.md §5.8: S→C int 1.
const intOneMsg = "0100000008" + "0000000000000001"

func TestServer(t *testing.T) {
	c := transcript.NewConn(nil)
	s, _ := cedar.NewStream(c, nil)
	id, err := Server{}.Authenticate(context.Background(), s, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := auth.Identity{User: "CONDOR_ANONYMOUS_USER", Method: "ANONYMOUS", AuthenticatedName: "CONDOR_ANONYMOUS_USER"}
	if d := cmp.Diff(want, id); d != "" {
		t.Errorf("identity (-want +got):\n%s", d)
	}
	if id.Mapped() || id.FQU() != "CONDOR_ANONYMOUS_USER" {
		t.Error("the anonymous identity must not be a mapped FQU")
	}
	if got := hex.EncodeToString(c.Written()); got != intOneMsg {
		t.Errorf("server wrote %s", got)
	}
	if (Server{}).Bit() != 128 || (Client{}).Bit() != 128 || (Client{}).Name() != "ANONYMOUS" {
		t.Error("wrong name or bit")
	}
}

func TestClient(t *testing.T) {
	cases := []struct {
		in      string
		wantErr error
	}{
		{intOneMsg, nil},
		{"0100000008" + "0000000000000000", auth.ErrFailed},
		{"01000000080000", io.ErrUnexpectedEOF},
	}
	for _, tc := range cases {
		b, _ := hex.DecodeString(tc.in)
		c := transcript.NewConn(b)
		s, _ := cedar.NewStream(c, nil)
		err := Client{}.Authenticate(context.Background(), s, nil)
		if tc.wantErr == nil && err != nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
			t.Errorf("input %s: error %v, want %v", tc.in, err, tc.wantErr)
		}
		if len(c.Written()) != 0 {
			t.Errorf("client wrote %x", c.Written())
		}
	}
	if ok, _ := (Client{}).Usable(nil); !ok {
		t.Error("ANONYMOUS not usable")
	}
}

// FuzzClient feeds arbitrary server bytes to the client side.
func FuzzClient(f *testing.F) {
	b, _ := hex.DecodeString(intOneMsg)
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, _ := cedar.NewStream(transcript.NewConn(data), &cedar.Config{MaxMessageSize: 1 << 16})
		_ = Client{}.Authenticate(context.Background(), s, nil)
	})
}
