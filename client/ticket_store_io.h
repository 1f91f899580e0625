// The file operations the ticket store needs, each safe against crashes and other processes:
// an exclusive advisory lock, a bounded read, and an atomic replace (0600 temporary file in the
// same directory, fsync, rename, fsync of the directory: a reader sees the old file or the new
// one, never a torn one). Errors are internal_error with the path and the system's reason.
#pragma once

#include <string>

#include "net/socket.h"
#include "tls13/bytes.h"

namespace tpmtls::store_io {

// Holds flock(LOCK_EX) on `path` (created 0600 if missing) until destroyed.
class FileLock {
public:
    static Result<FileLock> acquire(const std::string& path);

private:
    explicit FileLock(net::UniqueFd fd) : fd_(std::move(fd)) {}
    net::UniqueFd fd_;  // closing the descriptor releases the lock
};

// The whole file into `out` (resized to fit). `missing` tells a file that does not exist
// (not an error). Files over `max_size` bytes are refused.
Status read_file(const std::string& path, size_t max_size, Bytes& out, bool& missing);

// Replaces `path` with `contents` atomically; the file has mode 0600.
Status write_file_atomically(const std::string& path, ByteView contents);

}  // namespace tpmtls::store_io
