//! `ampflux sc`: placeholder replaced below.
