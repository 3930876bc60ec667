#ifndef OPSIDE_CPANGOCAIRO_SHIM_H
#define OPSIDE_CPANGOCAIRO_SHIM_H
// cairo (PDF and image surfaces, PNG streams) and pango's cairo backend: the whole C surface
// OpsideRender draws through. Fonts come from fontconfig via pango's cairo font map.
#include <cairo.h>
#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#endif
