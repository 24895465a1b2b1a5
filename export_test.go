package tursopooled

// DocumentedParam is a DSN parameter as the tests see it.
type DocumentedParam struct {
	Key, Default, Feature string
	ActualDefault         string // the default formatted from NewConfig(); "" when not written
}

// DocumentedParams exposes the parameter table to the external tests.
func DocumentedParams() []DocumentedParam {
	var out []DocumentedParam
	def := NewConfig()
	for _, p := range params {
		d := DocumentedParam{Key: p.key, Default: p.documentedDefault(), Feature: p.feature}
		if p.format != nil {
			d.ActualDefault = p.format(def)
		}
		out = append(out, d)
	}
	return out
}
