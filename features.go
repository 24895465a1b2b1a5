package tursopooled

import (
	"context"
	"database/sql/driver"
	"fmt"
	"log/slog"
	"slices"

	"github.com/turso-pooled/tursopooled/cache"
	"github.com/turso-pooled/tursopooled/cachebus"
	"github.com/turso-pooled/tursopooled/compress"
	"github.com/turso-pooled/tursopooled/sqlclass"
)

// features holds what sits between database/sql and the upstream driver:
// the result cache (nil when off) and the compression codec (always present,
// because reads decode frames even when writes do not make them).
type features struct {
	identity       string
	cache          *cache.Cache
	codec          *compress.Codec
	compressWrites bool
	maxEntryBytes  int64 // largest result the cache stores
	schema         schemaDeps
	storm          stormDetector
	bus            *cachebus.Bus // nil when cache_bus is off
}

func (f *features) init(cfg *Config, logger *slog.Logger) error {
	f.identity = databaseIdentity(cfg)
	f.compressWrites = cfg.Compress == CompressionBrotli
	codec, err := compress.New(compress.Config{
		Threshold:       int(min(cfg.CompressThreshold, 1<<31-1)),
		MaxDecodedBytes: cfg.CompressMaxDecodedBytes,
	})
	if err != nil {
		return fmt.Errorf("turso-pooled: compression: %w", err)
	}
	f.codec = codec
	f.schema.logger = logger // compression reads the schema too, cache on or off
	if !cfg.Cache {
		return nil
	}
	f.maxEntryBytes = cfg.CacheMaxBytes / 64
	f.cache, err = cache.New(cache.Config{
		MaxBytes:      cfg.CacheMaxBytes,
		TTL:           cfg.CacheTTL,
		MaxTTL:        cfg.CacheMaxTTL,
		MaxEntryBytes: f.maxEntryBytes,
	})
	if err != nil {
		return fmt.Errorf("turso-pooled: cache: %w", err)
	}
	f.storm.logger = logger
	return f.startBus(cfg, logger)
}

func (f *features) close() {
	_ = f.bus.Close()
	f.cache.Close()
}

// encodeArgs frames, when compress=br, the large text and blob arguments
// that the statement stores exactly as given (see [sqlclass.StoredParams])
// in columns that hold a frame the way they would hold the value: a column
// of a table that is not STRICT, with no constraint, index or trigger
// reading it, and for text an affinity that keeps the text as text; or a
// STRICT column declared ANY, or BLOB for a blob. Anything else — an
// argument used in an expression, a WHERE or RETURNING clause, a column or
// table that is unknown, a schema that cannot be loaded, a connection with
// TEMP objects or ATTACHed databases — is sent as it is, so nothing a query
// observes changes except the bytes on the wire. The schema is loaded on
// cn's upstream connection the first time it is needed. The caller's slice
// is not modified. Inside a transaction the schema is not loaded (see
// schemaDeps.storedTables): values go unframed until it is. The error is
// that of a schema load that failed; the caller decides whether it broke the
// connection.
func (f *features) encodeArgs(ctx context.Context, cn *conn, st *statement, args []driver.NamedValue) ([]driver.NamedValue, error) {
	cands := f.frameCandidates(ctx, cn, st, args)
	if len(cands) == 0 {
		return args, nil
	}
	tables, ok, err := f.schema.storedTables(ctx, cn.up, st.info.WriteTables, cn.sess.clean())
	if !ok {
		return args, err
	}
	var out []driver.NamedValue
	for _, c := range cands {
		frame, ok := f.frameArg(tables, c.param.Targets, args[c.arg].Value)
		if !ok {
			continue
		}
		if out == nil {
			out = slices.Clone(args)
		}
		out[c.arg].Value = frame
	}
	if out == nil {
		return args, nil
	}
	return out, nil
}

// frameCandidate is an argument long enough to frame and the parameter
// that stores it.
type frameCandidate struct {
	arg   int
	param *sqlclass.StoredParam
}

// frameCandidates returns the arguments that are long enough to frame and
// that the statement stores exactly as given. It reads the SQL only when
// some argument is long enough.
func (f *features) frameCandidates(ctx context.Context, cn *conn, st *statement, args []driver.NamedValue) []frameCandidate {
	if !f.compressWrites || cn == nil || cn.sess.dirty || compressionBypassed(ctx) ||
		st.info.Statements != 1 || len(st.info.WriteTables) == 0 || !f.anyLongValue(args) {
		return nil
	}
	params := sqlclass.StoredParams(st.sql)
	var out []frameCandidate
	for i, a := range args {
		if !f.longValue(a.Value) {
			continue
		}
		if p := storedParam(params, a); p != nil {
			out = append(out, frameCandidate{arg: i, param: p})
		}
	}
	return out
}

// anyLongValue reports whether some argument reaches the threshold.
func (f *features) anyLongValue(args []driver.NamedValue) bool {
	return slices.ContainsFunc(args, func(a driver.NamedValue) bool { return f.longValue(a.Value) })
}

// longValue reports whether v is text or a blob of at least the threshold.
func (f *features) longValue(v any) bool {
	threshold := f.codec.Config().Threshold
	switch x := v.(type) {
	case string:
		return len(x) >= threshold
	case []byte:
		return len(x) >= threshold
	}
	return false
}

// storedParam returns the stored parameter that SQLite binds a to: by name
// for a named argument, by ordinal for a positional one.
func storedParam(params []sqlclass.StoredParam, a driver.NamedValue) *sqlclass.StoredParam {
	for i := range params {
		p := &params[i]
		if (a.Name != "" && p.Name == a.Name) || (a.Name == "" && p.Name == "" && p.Ordinal == a.Ordinal) {
			return p
		}
	}
	return nil
}

// frameArg returns the frame of v when every target column holds it as it
// would hold v and framing pays.
func (f *features) frameArg(tables map[string]*sqlclass.Table, targets []sqlclass.Target, v any) ([]byte, bool) {
	for _, tg := range targets {
		if !holdsFrame(tables, tg, v) {
			return nil, false
		}
	}
	switch x := v.(type) {
	case string:
		return f.codec.EncodeString(x)
	case []byte:
		return f.codec.EncodeBytes(x)
	}
	return nil, false
}

// holdsFrame reports whether target column tg stores a frame of v as it
// would store v: same success or failure, no constraint, index or trigger
// that reads the value, no conversion that the frame would escape.
func holdsFrame(tables map[string]*sqlclass.Table, tg sqlclass.Target, v any) bool {
	if tg.Schema != "" && tg.Schema != "main" {
		return false
	}
	t := tables[tg.Table]
	if t == nil {
		return false
	}
	c, ok := targetColumn(t, tg)
	if !ok || c.Constrained || c.Generated {
		return false
	}
	s, isText := v.(string)
	if t.Strict {
		return c.Type == "ANY" || (c.Type == "BLOB" && !isText)
	}
	return !isText || c.KeepsText(s)
}

// targetColumn finds the column of t that tg names, or for an INSERT
// without a column list the tg.Position-th column that is not generated.
func targetColumn(t *sqlclass.Table, tg sqlclass.Target) (sqlclass.Column, bool) {
	if tg.Column != "" {
		return t.Column(tg.Column)
	}
	n := tg.Position
	for _, c := range t.Columns {
		if c.Generated {
			continue
		}
		if n == 0 {
			return c, true
		}
		n--
	}
	return sqlclass.Column{}, false
}

// schemaChanged forgets the table shapes compression relies on after a
// statement that may have changed the schema (DDL, PRAGMA, ATTACH, or a
// statement not understood), cache on or off; the next write with a value
// to frame loads them again. Conn code calls it for every statement that
// ran, and again for the writes of a transaction when it ends.
func (f *features) schemaChanged(st *statement) {
	if st.info.InvalidatesAll() {
		f.schema.reset()
	}
}

// decodeRow replaces every value in dest that is a verified compression
// frame ([compress.Codec.Decode]) by the value it holds. Any other value —
// including a blob that merely starts like a frame, is truncated, declares
// a length above compress_max_decoded_bytes or fails its checksum — is left
// exactly as stored: reading never fails because of a value's bytes. The
// error result, which rows.Next returns, is always nil.
func (f *features) decodeRow(_ []string, dest []driver.Value) error {
	for i, v := range dest {
		b, ok := v.([]byte)
		if !ok || !compress.LooksFramed(b) {
			continue
		}
		if decoded, framed, _ := f.codec.Decode(b); framed {
			dest[i] = decoded
		}
	}
	return nil
}
