package idtoken

// scramblePattern is HTCondor's "simple scramble" key (tokens.md §5.2,
// secure_file.cpp simple_scramble): byte i is XORed with pattern[i%4].
var scramblePattern = [4]byte{0xde, 0xad, 0xbe, 0xef}

// Scramble returns b XORed with the repeating pattern DE AD BE EF, the
// on-disk obfuscation of pool passwords and signing keys (tokens.md §5.2).
// The operation is its own inverse, so Scramble also unscrambles. b is not
// modified.
func Scramble(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = c ^ scramblePattern[i%4]
	}
	return out
}
