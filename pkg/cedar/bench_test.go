package cedar

import (
	"testing"
)

// BenchmarkGCMStream measures AES-256-GCM throughput: 64 KiB messages
// encrypted by one Stream and decrypted by another over net.Pipe.
func BenchmarkGCMStream(b *testing.B) {
	const size = 64 << 10
	w, r := newPipe(b, nil)
	key := make([]byte, 32)
	if err := w.EnableCrypto(key); err != nil {
		b.Fatal(err)
	}
	if err := r.EnableCrypto(key); err != nil {
		b.Fatal(err)
	}
	payload := make([]byte, size)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	done := asyncErr(func() error {
		for range b.N {
			if err := w.PutBytes(payload); err != nil {
				return err
			}
			if err := w.EndOfMessage(); err != nil {
				return err
			}
		}
		return nil
	})
	for range b.N {
		if _, err := r.GetBytes(size); err != nil {
			b.Fatal(err)
		}
		if err := r.EndOfMessage(); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPacketRoundTrip measures encoding, framing and decoding of a
// small message (an int and a string) through an in-memory loopback.
func BenchmarkPacketRoundTrip(b *testing.B) {
	for _, encrypted := range []bool{false, true} {
		b.Run(map[bool]string{false: "plaintext", true: "aes-gcm"}[encrypted], func(b *testing.B) {
			s, _ := newLoop(b, nil)
			if encrypted {
				if err := s.EnableCrypto(make([]byte, 32)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			for range b.N {
				if err := s.PutInt(60010); err != nil {
					b.Fatal(err)
				}
				if err := s.PutString(`AuthMethods = "TOKEN"`); err != nil {
					b.Fatal(err)
				}
				if err := s.EndOfMessage(); err != nil {
					b.Fatal(err)
				}
				if _, err := s.GetInt(); err != nil {
					b.Fatal(err)
				}
				if _, _, err := s.GetString(); err != nil {
					b.Fatal(err)
				}
				if err := s.EndOfMessage(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
