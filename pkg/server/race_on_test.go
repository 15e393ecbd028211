//go:build race

package server

// raceEnabled reports that the race detector is on (it makes the
// 1,000-request memory report slow and its numbers meaningless).
const raceEnabled = true
