//go:build !unix

package fix

import "os/exec"

// setProcessGroup leaves cmd as it is: without process groups, cancellation
// kills the command itself only.
func setProcessGroup(cmd *exec.Cmd) {}
