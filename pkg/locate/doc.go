// Package locate finds HTCondor daemons and speaks the small protocols
// around that (cedar.md §6): sinful strings and their V1 form, address and
// daemon ad files, collector queries (client and server side), the
// location logic of Daemon::locate, and the shared-port connect request.
//
// Everything that touches the network goes through interfaces: a Querier
// runs collector queries over an already-negotiated cedar.Stream (the
// security handshake lives elsewhere), a Resolver resolves host names.
//
// # Facts (htcondor/htcondor at the pinned commit, read for behaviour only)
//
//   - A sinful string is "<host[:port][?key=value&…]>"; on output the
//     parameters come in byte order of their keys, values are %xx-escaped
//     except alphanumerics and ". _ - : # [ ] +" (Sinful,
//     condor_sinful.cpp). AddressV1 is the V1 text of the same address,
//     a string attribute (pitfall 35).
//   - Address files ("<SUBSYS>_ADDRESS_FILE", "<SUBSYS>_SUPER_ADDRESS_FILE")
//     hold the sinful, the version and the platform on three lines
//     (drop_addr_file); tools read them with Daemon::readAddressFile and
//     apply no staleness test: a file left behind by a dead daemon is used
//     and the connection then fails. Daemons therefore write them
//     atomically when they start listening and remove them when they stop.
//   - A root tool (or USE_SUPER_PORT = true) reads the super-user address
//     file and skips the daemon ad file (README pitfall 15).
package locate
