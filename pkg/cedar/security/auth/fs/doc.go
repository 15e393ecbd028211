// Package fs implements HTCondor's FS authentication method, both sides
// (cedar.md §5.6, README pitfall 15): the client proves its Unix uid by
// creating a directory the server names, and the server reads the owner
// of that directory.
//
// Wire layout (plaintext stream, each message ends with EOM):
//
//	S→C: string D                       ("" = server error)
//	C→S: int result (0 ok, −1 failed) · [string ext, only when non-empty]
//	S→C: int result (0 = authenticated)
//
// D is "<FS_LOCAL_DIR>/FS_<server ip>_<server port>_XXX" + 6 random
// characters + "_" (mkstemp keeps three of the nine X). A name ending in
// "_" asks the client for channel binding: it appends its own view of the
// server's address, "<ip>:<port>" (IPv6 "[addr]:port") plus "?sock=<id>"
// behind shared port, creates D+ext with mode 0700 and reports ext after
// its result. The server accepts ext only when it names this connection's
// own address, then checks D+ext with lstat: a directory, not a symlink,
// link count 1 or 2, mode exactly 0700. The owner's name, from the
// password file (no NSS), at UID_DOMAIN is the identity.
//
// Older forms are supported on both sides: a client that sends no ext
// (the server then checks D itself), a 25.12.2 server whose name has no
// trailing "_" but starts with "FS_<ip>_<port>_" (the client checks that
// prefix), and, with channel binding off, names without any address.
//
// A client running as root creates the directory as the HTCondor service
// account (CONDOR_IDS, else the "condor" user), as HTCondor's tools do, so
// it authenticates as condor@<UID_DOMAIN>.
package fs
