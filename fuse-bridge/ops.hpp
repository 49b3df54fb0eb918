// Every lowlevel operation the bridge implements, one group per ops_*.cpp file.
#pragma once
#include <string>

#include "fuse-bridge/reply.hpp"
#include "actors/coordinator/pool_snapshot.hpp"

namespace mfs::bridge {

class Bridge;

void op_init(void* userdata, fuse_conn_info* conn);
void op_destroy(void* userdata);
// ops_lookup.cpp
void op_lookup(fuse_req_t req, fuse_ino_t parent, const char* name);
void op_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
void op_forget_multi(fuse_req_t req, size_t count, fuse_forget_data* forgets);
void op_readlink(fuse_req_t req, fuse_ino_t ino);
void op_access(fuse_req_t req, fuse_ino_t ino, int mask);
// ops_readdir.cpp
void op_opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi);
void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi);
void op_releasedir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, fuse_file_info* fi);
// ops_file.cpp
void op_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi);
void op_write(fuse_req_t req, fuse_ino_t ino, const char* buf, size_t size, off_t off,
              fuse_file_info* fi);
void op_flush(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, fuse_file_info* fi);
void op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off, off_t len,
                  fuse_file_info* fi);
void op_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in, fuse_file_info* fi_in,
                        fuse_ino_t ino_out, off_t off_out, fuse_file_info* fi_out, size_t len,
                        int flags);
void op_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence, fuse_file_info* fi);
void op_release(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
// ops_create.cpp
void op_create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode,
               fuse_file_info* fi);
void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode);
void op_mknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, dev_t rdev);
void op_symlink(fuse_req_t req, const char* link, fuse_ino_t parent, const char* name);
// Creates a symlink through the create policy (rename-exdev/link-exdev fallbacks). 0 or -errno.
// `e` gets its attributes; no node is added (answer_entry adds it).
int create_symlink(fuse_req_t req, Bridge& b, const PoolSnapshot& snap,
                   fuse_ino_t parent, const char* name, const std::string& target,
                   fuse_entry_param& e);
// Answers a new entry: claims the reply, then adds the node (parent, name) and sends `e` with
// it. A request already answered by its deadline adds nothing.
void answer_entry(Reply& reply, Bridge& b, fuse_ino_t parent, const char* name, fuse_entry_param& e);
// Auto-RO (FEATURES.md §2.3): RW branches that refuse a probe file with EROFS are demoted.
bool detect_readonly_branches(const PoolSnapshot& snap);
// ops_remove.cpp
void op_unlink(fuse_req_t req, fuse_ino_t parent, const char* name);
void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char* name);
// ops_rename.cpp
void op_rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent,
               const char* newname, unsigned int flags);
void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char* newname);
// ops_setattr.cpp
void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set,
                fuse_file_info* fi);
// ops_statfs.cpp
void op_statfs(fuse_req_t req, fuse_ino_t ino);
// ops_xattr.cpp
void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size);
void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char* name, const char* value,
                 size_t size, int flags);
void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char* name);

}  // namespace mfs::bridge
