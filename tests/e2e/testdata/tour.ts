// The README's curl tour, through openapi-fetch and the types
// openapi-typescript generates from openapi.yaml: the test type-checks it
// under --strict and runs it against the local API, so a change to the
// document that breaks the generated client, or this use of it, fails the
// build.
import createClient from "openapi-fetch";
import type { paths } from "./schema";

// Node's, declared here so that the check needs no @types/node.
declare const process: { env: Record<string, string | undefined>; exit(code: number): never };

async function tour(baseUrl: string, token: string): Promise<string> {
  const api = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });

  const created = await api.POST("/todos", {
    params: { header: { "Idempotency-Key": "tour-ts" } },
    body: { title: "Buy milk", dueAt: new Date(Date.now() + 86_400_000).toISOString() },
  });
  if (!created.data) throw new Error(`create: ${created.response.status}`);
  const id: string = created.data.id;

  const list = await api.GET("/todos", { params: { query: { limit: 10 } } });
  if (!list.data) throw new Error(`list: ${list.response.status}`);
  if (!list.data.items.some((t) => t.id === id)) throw new Error("list: the new todo is missing");

  const got = await api.GET("/todos/{id}", { params: { path: { id } } });
  if (!got.data) throw new Error(`get: ${got.response.status}`);
  const etag = got.response.headers.get("ETag") ?? "";

  // A merge patch: done, and the due date removed with null.
  const patched = await api.PATCH("/todos/{id}", {
    params: { path: { id }, header: { "If-Match": etag } },
    body: { done: true, dueAt: null },
    headers: { "Content-Type": "application/merge-patch+json" },
  });
  if (!patched.data) throw new Error(`update: ${patched.response.status}`);
  if (patched.data.done !== true || patched.data.dueAt !== undefined) throw new Error("update: not applied");

  const deleted = await api.DELETE("/todos/{id}", { params: { path: { id } } });
  if (deleted.response.status !== 204) throw new Error(`delete: ${deleted.response.status}`);

  const sent = await api.POST("/contact", {
    body: { name: "Ada", email: "ada@example.com", message: "Hello from the TypeScript client." },
  });
  if (!sent.data) throw new Error(`contact: ${sent.response.status}`);
  return id;
}

tour(process.env.API_URL ?? "", process.env.TOKEN ?? "").then(
  (id) => console.log(`tour done: ${id}`),
  (err: unknown) => {
    console.error(`tour: ${String(err)}`);
    process.exit(1);
  },
);
