package fix

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// DefaultTail is how many bytes of a command's output a [Step] keeps when
// no other limit is given.
const DefaultTail = 8 << 10

// DefaultStepTimeout is the time limit of one validation step when none is
// given.
const DefaultStepTimeout = 10 * time.Minute

// Validation is the evidence that a set of changes builds and passes tests.
type Validation struct {
	Steps []Step `json:"steps"`
}

// OK reports whether every step passed. A validation without steps is not
// OK: nothing was shown.
func (v Validation) OK() bool {
	if len(v.Steps) == 0 {
		return false
	}
	for _, s := range v.Steps {
		if !s.OK {
			return false
		}
	}
	return true
}

// Failed returns the first step that failed, or nil.
func (v Validation) Failed() *Step {
	for i := range v.Steps {
		if !v.Steps[i].OK {
			return &v.Steps[i]
		}
	}
	return nil
}

// Step is one command that was run, and what came of it.
type Step struct {
	Name     string        `json:"name"`
	Command  string        `json:"command"`
	Duration time.Duration `json:"duration"`
	// ExitCode is the command's exit status; -1 when it did not exit on
	// its own (it could not start, or was killed at its time limit).
	ExitCode int `json:"exit_code"`
	// Output is the tail of the command's combined standard output and
	// error, at most the limit the command was run with; a cut is marked
	// with a first line "[... N bytes cut ...]".
	Output string `json:"output"`
	OK     bool   `json:"ok"`
	// TimedOut is set when the command was killed at its time limit.
	TimedOut bool `json:"timed_out,omitempty"`
	// Error says why the command did not run or did not exit on its own.
	Error string `json:"error,omitempty"`
}

// StepError is a failed [Step] as an error.
type StepError struct{ Step Step }

func (e *StepError) Error() string {
	msg := fmt.Sprintf("%s: `%s` failed", e.Step.Name, e.Step.Command)
	switch {
	case e.Step.TimedOut:
		msg += " (time limit)"
	case e.Step.Error != "":
		msg += ": " + e.Step.Error
	default:
		msg += fmt.Sprintf(" with exit code %d", e.Step.ExitCode)
	}
	if last := lastLines(e.Step.Output, 5); last != "" {
		msg += ":\n" + last
	}
	return msg
}

// ValidateOptions tune [Strategy.Validate].
type ValidateOptions struct {
	// Command, when set, replaces the strategy's test step; it is run by
	// the shell (sh -c, or cmd /C on Windows) in the project directory.
	// The build step still runs first.
	Command string
	// Timeout limits each step; zero means [DefaultStepTimeout].
	Timeout time.Duration
	// Tail is how many bytes of output a step keeps; zero means
	// [DefaultTail].
	Tail int
	// Env is the environment of the commands; nil means the strategy's.
	Env []string
}

// Command is one command for [RunCommand].
type Command struct {
	// Name names the step ("build", "test").
	Name string
	Dir  string
	// Args are the program and its arguments.
	Args []string
	// Env is the environment; nil means the current process's.
	Env []string
	// Timeout limits the run; zero means no limit beyond ctx.
	Timeout time.Duration
	// Tail is how many bytes of output to keep; zero means [DefaultTail].
	Tail int
}

// ShellCommand returns the arguments that run line through the system
// shell.
func ShellCommand(line string) []string {
	if runtime.GOOS == "windows" {
		return []string{"cmd", "/C", line}
	}
	return []string{"sh", "-c", line}
}

// RunCommand runs c and records it as a [Step]. It returns an error only
// when ctx itself is done; a command that fails or times out is a step
// with OK false.
func RunCommand(ctx context.Context, c Command) (Step, error) {
	step := Step{Name: c.Name, Command: displayCommand(c.Args), ExitCode: -1}
	if len(c.Args) == 0 {
		step.Error = "no command"
		return step, nil
	}
	if err := ctx.Err(); err != nil {
		return step, err
	}
	runCtx := ctx
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	limit := c.Tail
	if limit <= 0 {
		limit = DefaultTail
	}
	out := &tailBuffer{limit: limit}
	cmd := exec.CommandContext(runCtx, c.Args[0], c.Args[1:]...)
	cmd.Dir = c.Dir
	cmd.Env = c.Env
	cmd.Stdout = out
	cmd.Stderr = out
	// Kill the whole process group at the time limit (go test starts test
	// binaries), and do not wait for ever for grandchildren holding the
	// output pipe.
	setProcessGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	step.Duration = time.Since(start)
	step.Output = out.String()
	var exit *exec.ExitError
	switch {
	case runCtx.Err() != nil && ctx.Err() == nil:
		step.TimedOut = true
		step.Error = fmt.Sprintf("killed after the time limit of %s", c.Timeout)
	case ctx.Err() != nil:
		step.Error = ctx.Err().Error()
		return step, ctx.Err()
	case err == nil:
		step.ExitCode = 0
		step.OK = true
	case errors.As(err, &exit) && exit.Exited():
		step.ExitCode = exit.ExitCode()
	default:
		step.Error = err.Error()
	}
	return step, nil
}

// displayCommand renders args for a report, quoting arguments that need it.
func displayCommand(args []string) string {
	parts := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\n\"'`$\\|&;<>()*?[]#~") {
			parts[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		} else {
			parts[i] = a
		}
	}
	// The shell wrapper is an implementation detail: show the line.
	if len(args) == 3 && (args[0] == "sh" && args[1] == "-c" || args[0] == "cmd" && args[1] == "/C") {
		return args[2]
	}
	return strings.Join(parts, " ")
}

// tailBuffer keeps the last limit bytes written to it.
type tailBuffer struct {
	limit int
	buf   []byte
	cut   int64
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - 2*t.limit; over > 0 {
		t.cut += int64(over)
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

// String returns the tail, starting at a line boundary when it was cut.
func (t *tailBuffer) String() string {
	b := t.buf
	cut := t.cut
	if len(b) > t.limit {
		cut += int64(len(b) - t.limit)
		b = b[len(b)-t.limit:]
	}
	if cut == 0 {
		return string(b)
	}
	if i := bytes.IndexByte(b, '\n'); i >= 0 && i < len(b)-1 {
		cut += int64(i + 1)
		b = b[i+1:]
	}
	return fmt.Sprintf("[... %d bytes cut ...]\n%s", cut, b)
}

// lastLines returns the last n non-empty lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}
