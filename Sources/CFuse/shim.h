#ifndef KVFS_CFUSE_SHIM_H
#define KVFS_CFUSE_SHIM_H

#define FUSE_USE_VERSION 312
#include <fuse3/fuse_lowlevel.h>

#endif
