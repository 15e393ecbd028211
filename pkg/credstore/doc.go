// Package credstore is HTCondor's credential store on disk and the server
// logic behind it: STORE_CRED (479) for passwords, Kerberos and OAuth
// credentials, STORE_POOL_CRED (497), CREDD_GET_TOKEN (81004), the
// credmon hand-off and mark-and-sweep, plus the pool password file format
// used by "condor_store_cred -f" (specification: credentials.md; pinned
// HTCondor 25.14.0).
//
// The package does no networking: the daemon decodes a request, fills a
// Request and sends back the Reply of Store.Handle. The client side uses
// ResultText, Classify and WritePoolPasswordFile.
//
// # Layout (credentials.md §6, real-tools.md §22)
//
//	SEC_PASSWORD_FILE                   scrambled pool password, 0600
//	<OAuthDir>/<user>/                  0700 (+ setgid inherited from a 2770 parent)
//	<OAuthDir>/<user>/<svc>[_<h>].top   refresh token for a credmon, 0600
//	<OAuthDir>/<user>/<svc>[_<h>].use   access token, 0600 (completion file)
//	<OAuthDir>/<user>.mark              user marked for sweeping
//	<KrbDir>/<user>.cred                Kerberos credential as given, 0600
//	<KrbDir>/<user>.cc                  written by the credmon (completion file)
//	<KrbDir>/<user>.mark                user marked for sweeping
//	<dir>/pid                           the credmon's pid (woken with SIGHUP)
//
// Every credential is written to a temporary file in the same directory
// (".<name>.tmp<digits>", never mistaken for a credential), fsynced, renamed
// into place and the directory fsynced, so a crash leaves the old or the
// new credential, never a partial one. Temporary files a killed writer left
// behind are removed by the next write of that credential once they are ten
// minutes old, or with the user's directory by Sweep.
//
// # Deliberate differences from HTCondor
//
//   - User names "." and "..", and Kerberos user names outside
//     [A-Za-z0-9-+=_.], are refused (FAILURE_BAD_ARGS): HTCondor would use
//     them as path components.
//   - Symbolic links are never followed inside the credential directories
//     (a user directory that is a link, a credential that is a link).
//   - The caller "unauthenticated@unmapped" counts as unauthenticated.
//   - Per-user OAuth directories are created by the process and then given
//     to Options.DirUid/DirGid, instead of being created as the condor
//     account, so a root-owned 0755 OAuth directory works.
//   - Temporary file names are unique instead of "<name>.tmp", so two
//     concurrent writers cannot interleave; the pool password file is
//     replaced atomically instead of rewritten in place.
//   - WritePoolPasswordFile refuses an empty password (HTCondor writes an
//     empty file).
package credstore
