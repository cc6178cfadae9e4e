/* The one error convention: functions return 0 (BERTH_OK) or a negative code from
 * this enum; what went wrong in words goes into a struct diag the caller passed. */
#ifndef BERTH_ERR_H
#define BERTH_ERR_H

enum berth_err {
	BERTH_OK = 0,
	BERTH_ERROR = -1,     /* generic failure, details in the diagnostic */
	BERTH_EINVAL = -2,    /* bad input: spec, option, argument */
	BERTH_ENOTFOUND = -3, /* the thing asked for does not exist */
	BERTH_EIO = -4,       /* file system or OS call failed */
	BERTH_ENET = -5,      /* transport: connect, TLS, timeout, dropped connection */
	BERTH_EAWS = -6,      /* AWS answered with an error */
	BERTH_EAUTH = -7,     /* no usable credentials */
	BERTH_ETIMEOUT = -8,  /* a wait ran past its limit */
	BERTH_ECANCELED = -9, /* interrupted by the user */
	BERTH_ELOCKED = -10,  /* someone else holds the stack lock */
	BERTH_ECONFLICT = -11 /* live state changed under a saved plan, dirty repo, ... */
};

/* A short constant name for a code ("invalid input", ...). */
const char *berth_strerror(int code);

#endif
