package main

import (
	"debug/buildinfo"
	"debug/elf"
	"fmt"
	"os"
	"strings"
)

// sizeBreakdown is how a binary's bytes split between the modules it is
// built from.
type sizeBreakdown struct {
	// ByModule holds the bytes of the code and data of each module's
	// symbols: the module path, stdModule, or mainModule for the
	// repository's own packages.
	ByModule map[string]int64
	// Metadata is the rest of the stripped binary: the runtime's tables
	// (pclntab, function data), which grow with the code, and headers.
	Metadata int64
}

// Names of what is not a required module in a breakdown.
const (
	stdModule  = "Go standard library"
	mainModule = "this repository"
)

// breakdown attributes the symbols of symbolic, a binary built like
// stripped but with its symbol table, to the modules of their packages.
// Symbols that take no room in the file, like the zeroed bss, are left out.
func breakdown(symbolic, stripped string) (*sizeBreakdown, error) {
	info, err := buildinfo.ReadFile(symbolic)
	if err != nil {
		return nil, err
	}
	modules := []string{info.Main.Path}
	for _, m := range info.Deps {
		modules = append(modules, m.Path)
	}
	f, err := elf.Open(symbolic)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", symbolic, err)
	}
	b := &sizeBreakdown{ByModule: map[string]int64{}}
	var attributed int64
	for _, s := range syms {
		if s.Size == 0 || int(s.Section) >= len(f.Sections) || f.Sections[s.Section].Type == elf.SHT_NOBITS {
			continue
		}
		pkg := symbolPackage(s.Name)
		if pkg == "" {
			continue
		}
		m := moduleOf(pkg, modules)
		if m == info.Main.Path {
			m = mainModule
		}
		b.ByModule[m] += int64(s.Size)
		attributed += int64(s.Size)
	}
	st, err := os.Stat(stripped)
	if err != nil {
		return nil, err
	}
	b.Metadata = st.Size() - attributed
	return b, nil
}

// symbolPackage returns the import path of the package a symbol belongs
// to, like net/http for "net/http.(*Client).Do", "type:*net/http.Client"
// or "go:itab.*net/http.Transport,net/http.RoundTripper"; or "" for the
// linker's own, like "go:func.*".
func symbolPackage(name string) string {
	for _, prefix := range []string{"type:", "go:itab."} {
		name = strings.TrimPrefix(name, prefix)
	}
	name = strings.TrimLeft(name, "*")
	if strings.HasPrefix(name, "go:") || strings.HasPrefix(name, "type:") {
		return ""
	}
	// Type arguments and an itab's interface come after the package.
	if i := strings.IndexAny(name, "[,"); i >= 0 {
		name = name[:i]
	}
	slash := strings.LastIndex(name, "/")
	dot := strings.Index(name[slash+1:], ".")
	if dot < 0 {
		return ""
	}
	return name[:slash+1+dot]
}

// moduleOf returns the module of modules that holds pkg, the one with the
// longest path that is pkg or a parent of it, or stdModule for none.
func moduleOf(pkg string, modules []string) string {
	best := ""
	for _, m := range modules {
		if (pkg == m || strings.HasPrefix(pkg, m+"/")) && len(m) > len(best) {
			best = m
		}
	}
	if best == "" {
		return stdModule
	}
	return best
}
