// Command tour is the README's curl tour, through the Go client that
// oapi-codegen generates from openapi.yaml: the test compiles it, so a
// change to the document that breaks the generated client, or this use of
// it, fails the build.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/oapi-codegen/nullable"

	"github.com/example/serverless-todo/build/_clients/go/todoapi"
)

func main() {
	if err := run(context.Background(), os.Getenv("API_URL"), os.Getenv("TOKEN")); err != nil {
		fmt.Fprintln(os.Stderr, "tour:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, url, token string) error {
	auth := todoapi.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+token)
		return nil
	})
	c, err := todoapi.NewClientWithResponses(url, auth)
	if err != nil {
		return err
	}
	due := time.Now().Add(24 * time.Hour)
	key := "tour-1"
	created, err := c.CreateTodoWithResponse(ctx, &todoapi.CreateTodoParams{IdempotencyKey: &key},
		todoapi.CreateTodoJSONRequestBody{Title: "Buy milk", DueAt: &due})
	if err != nil {
		return err
	}
	if created.JSON201 == nil {
		return fmt.Errorf("create: %s", created.Status())
	}
	id := created.JSON201.Id
	list, err := c.ListTodosWithResponse(ctx, &todoapi.ListTodosParams{})
	if err != nil {
		return err
	}
	if list.JSON200 == nil {
		return fmt.Errorf("list: %s", list.Status())
	}
	got, err := c.GetTodoWithResponse(ctx, id, &todoapi.GetTodoParams{})
	if err != nil {
		return err
	}
	if got.JSON200 == nil {
		return fmt.Errorf("get: %s", got.Status())
	}
	// A merge patch: done, and the due date removed with null.
	done := true
	etag := got.HTTPResponse.Header.Get("ETag")
	patched, err := c.UpdateTodoWithApplicationMergePatchPlusJSONBodyWithResponse(ctx, id, &todoapi.UpdateTodoParams{IfMatch: &etag},
		todoapi.UpdateTodoApplicationMergePatchPlusJSONRequestBody{Done: &done, DueAt: nullable.NewNullNullable[time.Time]()})
	if err != nil {
		return err
	}
	if patched.JSON200 == nil {
		return fmt.Errorf("update: %s", patched.Status())
	}
	deleted, err := c.DeleteTodoWithResponse(ctx, id, &todoapi.DeleteTodoParams{})
	if err != nil {
		return err
	}
	if deleted.StatusCode() != http.StatusNoContent {
		return fmt.Errorf("delete: %s", deleted.Status())
	}
	sent, err := c.SendContactMessageWithResponse(ctx, todoapi.SendContactMessageJSONRequestBody{
		Name: "Ada", Email: "ada@example.com", Message: "Hello from the Go client."})
	if err != nil {
		return err
	}
	if sent.JSON202 == nil {
		return fmt.Errorf("contact: %s", sent.Status())
	}
	fmt.Println("tour done:", id)
	return nil
}
