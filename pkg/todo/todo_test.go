package todo_test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/example/serverless-todo/pkg/problem"
	"github.com/example/serverless-todo/pkg/todo"
)

func TestNewTodoStartsAtVersionOneWithServerTimes(t *testing.T) {
	due := "2027-05-01T10:00:00+02:00"
	in := todo.New{Title: "  Buy milk \t", Notes: "n", Done: true, DueAt: &due, Tags: []string{"a"}}
	in.Normalize()
	now := time.Date(2026, 11, 21, 10, 15, 30, 123456789, time.FixedZone("CET", 3600))
	got := in.Todo("01ARZ3NDEKTSV4RRFFQ69G5FAV", now)
	want := todo.Todo{
		ID: "01ARZ3NDEKTSV4RRFFQ69G5FAV", Title: "Buy milk", Notes: "n", Done: true,
		DueAt: "2027-05-01T08:00:00Z", Tags: []string{"a"},
		CreatedAt: "2026-11-21T09:15:30.123Z", UpdatedAt: "2026-11-21T09:15:30.123Z", Version: 1,
	}
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if string(gj) != string(wj) {
		t.Fatalf("got  %s\nwant %s", gj, wj)
	}
}

func TestTodoJSONLeavesOutEmptyOptionalFields(t *testing.T) {
	b, _ := json.Marshal(todo.Todo{ID: "i", Title: "t", CreatedAt: "c", UpdatedAt: "u", Version: 1})
	if want := `{"id":"i","title":"t","done":false,"createdAt":"c","updatedAt":"u","version":1}`; string(b) != want {
		t.Fatalf("got %s, want %s", b, want)
	}
}

func decodePatch(t *testing.T, s string) todo.Patch {
	t.Helper()
	var p todo.Patch
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPatchCheck(t *testing.T) {
	tests := []struct {
		patch  string
		status int
		fields []string
	}{
		{`{"title":"x"}`, 0, nil},
		{`{"notes":null,"dueAt":null,"tags":null}`, 0, nil},
		{`{"done":false}`, 0, nil},
		{`{}`, 400, nil},
		{`{"title":null}`, 400, []string{"title"}},
		{`{"done":null}`, 400, []string{"done"}},
		{`{"title":null,"done":null}`, 400, []string{"title", "done"}},
	}
	for _, tt := range tests {
		p := decodePatch(t, tt.patch)
		err := p.Check()
		if tt.status == 0 {
			if err != nil {
				t.Errorf("%s: %v", tt.patch, err)
			}
			continue
		}
		var pr *problem.Problem
		if !errors.As(err, &pr) || pr.Status != tt.status {
			t.Errorf("%s: err = %v, want status %d", tt.patch, err, tt.status)
			continue
		}
		var got []string
		for _, e := range pr.Errors {
			got = append(got, e.Field)
		}
		if !slices.Equal(got, tt.fields) {
			t.Errorf("%s: fields %v, want %v", tt.patch, got, tt.fields)
		}
	}
}

func TestPatchValuesNameTheFieldsItSets(t *testing.T) {
	p := decodePatch(t, `{"title":"  t  ","notes":null,"dueAt":"2026-01-01T00:00:00Z","tags":["a"],"done":true}`)
	p.Normalize()
	values, fields := p.Values()
	if !slices.Equal(fields, []string{"Title", "DueAt", "Tags"}) {
		t.Fatalf("fields = %v", fields)
	}
	if values.Title != "t" || *values.DueAt != "2026-01-01T00:00:00Z" || !slices.Equal(values.Tags, []string{"a"}) {
		t.Fatalf("values = %+v", values)
	}
}
