package parsers

import "io"

// CheckXML exposes checkXML to the external tests.
func CheckXML(r io.Reader, sheet bool) (any, error) { return checkXML(r, sheet, nil) }
