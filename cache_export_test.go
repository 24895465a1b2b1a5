package tursopooled

import "database/sql"

// CoalescingOn reports whether db's cache coalesces identical misses:
// the connection code turned it on by ending the fetch of a miss (see
// cacheFill.done).
func CoalescingOn(db *sql.DB) bool {
	c, ok := ConnectorOf(db)
	return ok && c.cache.CoalescingEnabled()
}
