package fix

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestTailBuffer(t *testing.T) {
	tests := []struct {
		name   string
		limit  int
		writes []string
		want   string
	}{
		{"short", 10, []string{"abc\n", "def\n"}, "abc\ndef\n"},
		{"exact", 8, []string{"abc\ndef\n"}, "abc\ndef\n"},
		{"cut_at_line_start", 8, []string{"line1\nline2\nline3\n"}, "[... 12 bytes cut ...]\nline3\n"},
		{"many_small_writes", 6, []string{"a\n", "b\n", "c\n", "d\n", "e\n", "f\n"}, "[... 8 bytes cut ...]\ne\nf\n"},
		{"one_long_line", 4, []string{"abcdefghij"}, "[... 6 bytes cut ...]\nghij"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &tailBuffer{limit: tt.limit}
			for _, w := range tt.writes {
				if _, err := b.Write([]byte(w)); err != nil {
					t.Fatal(err)
				}
			}
			if diff := cmp.Diff(tt.want, b.String()); diff != "" {
				t.Errorf("tail mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRunCommand(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses sh")
	}
	ctx := context.Background()
	tests := []struct {
		name string
		cmd  Command
		want Step
	}{
		{
			name: "success",
			cmd:  Command{Name: "echo", Args: ShellCommand("echo hello; echo world >&2")},
			want: Step{Name: "echo", Command: "echo hello; echo world >&2", ExitCode: 0, OK: true, Output: "hello\nworld\n"},
		},
		{
			name: "exit_code",
			cmd:  Command{Name: "fail", Args: ShellCommand("echo broken; exit 7")},
			want: Step{Name: "fail", Command: "echo broken; exit 7", ExitCode: 7, Output: "broken\n"},
		},
		{
			name: "tail_kept",
			cmd:  Command{Name: "loud", Args: ShellCommand("seq 1 1000"), Tail: 8},
			want: Step{Name: "loud", Command: "seq 1 1000", ExitCode: 0, OK: true, Output: "[... 3888 bytes cut ...]\n1000\n"},
		},
		{
			name: "time_limit",
			cmd:  Command{Name: "slow", Args: ShellCommand("echo start; sleep 30 & wait"), Timeout: 300 * time.Millisecond},
			want: Step{Name: "slow", Command: "echo start; sleep 30 & wait", ExitCode: -1, Output: "start\n", TimedOut: true, Error: "killed after the time limit of 300ms"},
		},
		{
			name: "not_found",
			cmd:  Command{Name: "missing", Args: []string{"patchline-no-such-command"}},
			want: Step{Name: "missing", Command: "patchline-no-such-command", ExitCode: -1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			got, err := RunCommand(ctx, tt.cmd)
			if err != nil {
				t.Fatal(err)
			}
			if time.Since(start) > 15*time.Second {
				t.Errorf("took %s: the time limit did not kill the process group", time.Since(start))
			}
			if got.Duration <= 0 {
				t.Errorf("duration = %s, want > 0", got.Duration)
			}
			got.Duration = 0
			if tt.name == "not_found" {
				if got.Error == "" {
					t.Error("no error for a missing command")
				}
				got.Error = ""
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("step mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRunCommandCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := RunCommand(ctx, Command{Name: "x", Args: []string{"true"}}); err == nil {
		t.Error("RunCommand with a cancelled context succeeded, want its error")
	}
}

func TestStepError(t *testing.T) {
	err := &StepError{Step: Step{Name: "go get", Command: "go get example.com/x@v1.0.9", ExitCode: 1, Output: "go: example.com/x@v1.0.9: not found\n"}}
	want := "go get: `go get example.com/x@v1.0.9` failed with exit code 1:\ngo: example.com/x@v1.0.9: not found"
	if got := err.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestDisplayCommand(t *testing.T) {
	got := displayCommand([]string{"go", "test", "-run", "Test A", "./..."})
	if want := "go test -run 'Test A' ./..."; got != want {
		t.Errorf("displayCommand = %q, want %q", got, want)
	}
}
