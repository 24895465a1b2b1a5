package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"strings"
)

// chart is one SVG file of the report.
type chart struct {
	file, title string
	svg         []byte
}

// Chart geometry, in SVG user units (pixels).
const (
	svgW, svgH             = 760, 420
	padL, padR, padT, padB = 72, 24, 64, 84
	plotW, plotH           = svgW - padL - padR, svgH - padT - padB
	yTicks                 = 5
	fontFamily             = "Helvetica, Arial, sans-serif"
)

// palette colors series in order.
var palette = []string{"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948"}

// esc escapes s for XML text and attribute values.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// niceMax rounds v up to 1, 2, 2.5 or 5 times a power of ten.
func niceMax(v float64) float64 {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// svgStart writes the header, title and y axis with grid lines up to ymax.
func svgStart(b *bytes.Buffer, title, yLabel string, ymax float64) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="%s" font-size="12">`+"\n",
		svgW, svgH, svgW, svgH, fontFamily)
	fmt.Fprintf(b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", svgW, svgH)
	fmt.Fprintf(b, `<text x="%d" y="24" font-size="15" font-weight="bold">%s</text>`+"\n", padL, esc(title))
	for i := 0; i <= yTicks; i++ {
		v := ymax * float64(i) / yTicks
		y := float64(padT+plotH) - float64(plotH)*float64(i)/yTicks
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#dddddd"/>`+"\n", padL, y, padL+plotW, y)
		fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", padL-6, y+4, esc(fmtTick(v)))
	}
	fmt.Fprintf(b, `<text transform="translate(16 %d) rotate(-90)" text-anchor="middle">%s</text>`+"\n", padT+plotH/2, esc(yLabel))
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333333"/>`+"\n", padL, padT+plotH, padL+plotW, padT+plotH)
}

// fmtTick formats an axis value compactly.
func fmtTick(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%gM", math.Round(v/1e5)/10)
	case v >= 1e4:
		return fmt.Sprintf("%gk", math.Round(v/100)/10)
	case v >= 10 || v == 0:
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2g", v)
}

// legend writes the series names above the plot.
func legend(b *bytes.Buffer, series []string) {
	x := padL
	for i, s := range series {
		fmt.Fprintf(b, `<rect x="%d" y="38" width="12" height="12" fill="%s"/>`, x, palette[i%len(palette)])
		fmt.Fprintf(b, `<text x="%d" y="48">%s</text>`+"\n", x+16, esc(s))
		x += 28 + 7*len(s)
	}
}

// finiteMax returns the largest finite value in vals, 0 when there is none.
func finiteMax(vals [][]float64) float64 {
	m := 0.0
	for _, row := range vals {
		for _, v := range row {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				m = math.Max(m, v)
			}
		}
	}
	return m
}

// barChart draws grouped bars: vals[g][s] is series s of group g; NaN
// values are left out.
func barChart(title, yLabel string, groups, series []string, vals [][]float64) []byte {
	var b bytes.Buffer
	ymax := niceMax(finiteMax(vals))
	svgStart(&b, title, yLabel, ymax)
	legend(&b, series)
	gw := float64(plotW) / float64(max(len(groups), 1))
	bw := gw * 0.8 / float64(max(len(series), 1))
	for g, name := range groups {
		x0 := float64(padL) + gw*float64(g) + gw*0.1
		for s := range series {
			v := math.NaN()
			if g < len(vals) && s < len(vals[g]) {
				v = vals[g][s]
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			h := float64(plotH) * v / ymax
			x, y := x0+bw*float64(s), float64(padT+plotH)-h
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s</title></rect>`+"\n",
				x, y, bw-2, h, palette[s%len(palette)], esc(fmt.Sprintf("%s %s: %s", name, series[s], fmtValue(v))))
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="9">%s</text>`+"\n", x+bw/2-1, y-3, esc(fmtValue(v)))
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", x0+gw*0.4, padT+plotH+18, esc(name))
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// lineChart draws one line per series over categorical x values:
// vals[s][x]; NaN points are skipped.
func lineChart(title, xLabel, yLabel string, xs, series []string, vals [][]float64) []byte {
	var b bytes.Buffer
	ymax := niceMax(finiteMax(vals))
	svgStart(&b, title, yLabel, ymax)
	legend(&b, series)
	step := float64(plotW) / float64(max(len(xs), 1))
	xpos := func(i int) float64 { return float64(padL) + step*(float64(i)+0.5) }
	for i, x := range xs {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", xpos(i), padT+plotH+18, esc(x))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">%s</text>`+"\n", padL+plotW/2, padT+plotH+44, esc(xLabel))
	for s, name := range series {
		color := palette[s%len(palette)]
		var pts []string
		for i := range xs {
			if s >= len(vals) || i >= len(vals[s]) || math.IsNaN(vals[s][i]) {
				continue
			}
			y := float64(padT+plotH) - float64(plotH)*vals[s][i]/ymax
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", xpos(i), y))
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"><title>%s</title></circle>`+"\n",
				xpos(i), y, color, esc(fmt.Sprintf("%s at %s: %s", name, xs[i], fmtValue(vals[s][i]))))
		}
		if len(pts) > 1 {
			fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", strings.Join(pts, " "), color)
		}
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// fmtValue formats a bar or point value.
func fmtValue(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}
