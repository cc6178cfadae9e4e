/* Names for the error codes in err.h. */
#include "util/common.h"

const char *berth_strerror(int code)
{
	switch (code) {
	case BERTH_OK: return "success";
	case BERTH_ERROR: return "error";
	case BERTH_EINVAL: return "invalid input";
	case BERTH_ENOTFOUND: return "not found";
	case BERTH_EIO: return "I/O error";
	case BERTH_ENET: return "network error";
	case BERTH_EAWS: return "AWS error";
	case BERTH_EAUTH: return "credentials error";
	case BERTH_ETIMEOUT: return "timed out";
	case BERTH_ECANCELED: return "canceled";
	case BERTH_ELOCKED: return "locked";
	case BERTH_ECONFLICT: return "conflict";
	}
	return "unknown error";
}
