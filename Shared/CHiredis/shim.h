#ifndef OPSIDE_CHIREDIS_SHIM_H
#define OPSIDE_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#endif
