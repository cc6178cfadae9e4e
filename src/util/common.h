/* First include of every berth source file: feature macros, the standard headers
 * nearly every file needs, the error codes, and banned.h last. */
#ifndef BERTH_COMMON_H
#define BERTH_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include "util/err.h"
#include "util/alloc.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define BERTH_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define BERTH_UNUSED __attribute__((unused))
#else
#define BERTH_PRINTF(fmt, args)
#define BERTH_UNUSED
#endif

#include "util/banned.h"

#endif
