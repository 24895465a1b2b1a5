// Package docs holds turso-pooled's guides as Markdown files —
// configuration.md, migration.md and observability.md — and the tests that
// keep them in step with the code. It has no API; nothing imports it.
package docs
