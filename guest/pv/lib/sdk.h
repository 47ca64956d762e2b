/* Internal to the SDK library. */
#ifndef GAMUT_PV_SDK_INTERNAL_H
#define GAMUT_PV_SDK_INTERNAL_H
#include <stdint.h>
void __pv_heap_init(uint64_t start, uint64_t end);
#endif
