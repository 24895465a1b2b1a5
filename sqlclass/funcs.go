package sqlclass

import sp "github.com/tursodatabase/libsql-client-go/sqliteparser"

// structural lists keywords that a "(" may follow as syntax, not as a call.
// Any other keyword followed by "(" is treated as a function name (SQLite
// lets keywords such as REPLACE, LIKE, GLOB or IF name functions).
var structural = func() map[int]bool {
	m := map[int]bool{}
	for _, k := range []int{
		sp.SQLiteLexerAND_, sp.SQLiteLexerOR_, sp.SQLiteLexerNOT_, sp.SQLiteLexerIN_, sp.SQLiteLexerEXISTS_,
		sp.SQLiteLexerAS_, sp.SQLiteLexerVALUES_, sp.SQLiteLexerWHEN_, sp.SQLiteLexerTHEN_, sp.SQLiteLexerELSE_,
		sp.SQLiteLexerCASE_, sp.SQLiteLexerON_, sp.SQLiteLexerUSING_, sp.SQLiteLexerOVER_, sp.SQLiteLexerFILTER_,
		sp.SQLiteLexerCAST_, sp.SQLiteLexerIS_, sp.SQLiteLexerBETWEEN_, sp.SQLiteLexerFROM_, sp.SQLiteLexerJOIN_,
		sp.SQLiteLexerWHERE_, sp.SQLiteLexerSELECT_, sp.SQLiteLexerBY_, sp.SQLiteLexerDISTINCT_, sp.SQLiteLexerALL_,
		sp.SQLiteLexerLIMIT_, sp.SQLiteLexerOFFSET_, sp.SQLiteLexerHAVING_, sp.SQLiteLexerESCAPE_, sp.SQLiteLexerSET_,
		sp.SQLiteLexerINTO_, sp.SQLiteLexerTABLE_, sp.SQLiteLexerKEY_, sp.SQLiteLexerUNIQUE_, sp.SQLiteLexerCHECK_,
		sp.SQLiteLexerDEFAULT_, sp.SQLiteLexerREFERENCES_, sp.SQLiteLexerCONFLICT_, sp.SQLiteLexerWINDOW_,
		sp.SQLiteLexerRETURNING_, sp.SQLiteLexerUPDATE_, sp.SQLiteLexerDO_, sp.SQLiteLexerEND_, sp.SQLiteLexerUNION_,
		sp.SQLiteLexerINTERSECT_, sp.SQLiteLexerEXCEPT_, sp.SQLiteLexerRECURSIVE_, sp.SQLiteLexerINDEX_,
		sp.SQLiteLexerVIEW_, sp.SQLiteLexerNULL_, sp.SQLiteLexerISNULL_, sp.SQLiteLexerNOTNULL_,
	} {
		m[k] = true
	}
	return m
}()

// pureFuncs are SQLite's built-in scalar, aggregate, window, math and JSON
// functions whose result depends only on their arguments. Functions absent
// from this list (random, randomblob, changes, total_changes,
// last_insert_rowid, load_extension, sqlite_offset, user or extension
// functions, ...) make a statement non-cacheable.
var pureFuncs = setOf(
	// core scalar
	"abs", "char", "coalesce", "concat", "concat_ws", "format", "glob", "hex", "if", "ifnull", "iif",
	"instr", "length", "like", "likelihood", "likely", "lower", "ltrim", "max", "min", "nullif",
	"octet_length", "printf", "quote", "replace", "round", "rtrim", "sign", "soundex", "substr",
	"substring", "trim", "typeof", "unhex", "unicode", "unlikely", "upper", "zeroblob", "sqlite_version",
	// aggregate
	"avg", "count", "group_concat", "string_agg", "sum", "total",
	// window
	"row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead",
	"first_value", "last_value", "nth_value",
	// math
	"acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "ceil", "ceiling", "cos", "cosh",
	"degrees", "exp", "floor", "ln", "log", "log10", "log2", "mod", "pi", "pow", "power", "radians",
	"sin", "sinh", "sqrt", "tan", "tanh", "trunc",
	// JSON
	"json", "jsonb", "json_array", "jsonb_array", "json_array_length", "json_error_position",
	"json_extract", "jsonb_extract", "json_insert", "jsonb_insert", "json_object", "jsonb_object",
	"json_patch", "jsonb_patch", "json_pretty", "json_remove", "jsonb_remove", "json_replace",
	"jsonb_replace", "json_set", "jsonb_set", "json_type", "json_valid", "json_quote",
	"json_group_array", "jsonb_group_array", "json_group_object", "jsonb_group_object",
)

// dateFuncs are deterministic unless asked for the current time: with no
// argument, with the literal 'now', or with a bind parameter (see
// pureDateCall).
var dateFuncs = setOf("date", "time", "datetime", "julianday", "unixepoch", "strftime", "timediff")

// pureTableFuncs are table-valued functions that read no table and depend
// only on their arguments.
var pureTableFuncs = setOf("json_each", "json_tree", "generate_series")

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
