// Package idtoken implements HTCondor IDTOKENS: signing-key files, token
// minting with HTCondor's exact bytes, decoding, server-side verification,
// client-side token discovery, and the token files the token tools read and
// write (spec: tokens.md §4–§7, §9.8–§9.9; real-tools.md §3, §4, §14–§16).
//
// The package has no knowledge of the configuration system: callers fill the
// plain structs KeyConfig, DirConfig and VerifyOptions from the knobs
// (SEC_TOKEN_POOL_SIGNING_KEY_FILE, SEC_PASSWORD_DIRECTORY,
// SEC_TOKEN_DIRECTORY, SEC_TOKEN_SYSTEM_DIRECTORY,
// LOCAL_CONFIG_DIR_EXCLUDE_REGEXP, SEC_TOKEN_MAX_AGE, ...).
//
// Compatibility notes (decisions where HTCondor's behaviour is lax):
//
//   - Decoding follows the vendored jwt-cpp/picojson of HTCondor 25.14.0:
//     base64url without '=' padding (jwt-cpp rejects '=' as outside the
//     alphabet), non-zero trailing bits tolerated, JSON strings keep raw
//     bytes (no UTF-8 validation), duplicate keys keep the last value,
//     nesting is limited to 100 levels. It is stricter than picojson in two
//     places: number syntax must follow RFC 8259, and nothing but whitespace
//     may follow the JSON object (picojson ignores trailing bytes).
//   - Minting writes the JSON by hand with picojson's rules (sorted keys,
//     "\/" escaping, \u00xx for control bytes and 0x7f), because
//     encoding/json and the jwt library's encoder do not produce the same
//     bytes (tokens.md §4.3).
//   - Signatures are computed and checked with github.com/golang-jwt/jwt/v5
//     signing methods (hmac.Equal, constant time). Only HS256, HS384 and
//     HS512 are accepted; "none" and every other alg are refused explicitly
//     (HTCondor leaves the signature empty instead, tokens.md §11 item 7).
//   - Empty signing-key files are refused: HTCondor would derive a key from
//     nothing, which anybody can reproduce.
package idtoken
