package consumer

import "testing"

func TestMessage(t *testing.T) {
	if got, want := Message(), "Hello, gopher!"; got != want {
		t.Errorf("Message() = %q, want %q", got, want)
	}
}

func TestAnswer(t *testing.T) {
	if got := Answer(); got != 42 {
		t.Errorf("Answer() = %d, want 42", got)
	}
}
