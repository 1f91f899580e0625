#include "client/ticket_store_io.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace tpmtls::store_io {

namespace {

Alert io_error(const std::string& what, const std::string& path, int error) {
    return make_alert(AlertDescription::internal_error, what + " " + path + ": " + std::strerror(error));
}

std::string directory_of(const std::string& path) {
    const size_t slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

Status write_all(int fd, ByteView data, const std::string& path) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return io_error("cannot write", path, errno);
        }
        data = data.subspan(static_cast<size_t>(n));
    }
    return ok();
}

}  // namespace

Result<FileLock> FileLock::acquire(const std::string& path) {
    net::UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd.valid()) return io_error("cannot open the lock file", path, errno);
    while (::flock(fd.get(), LOCK_EX) != 0)
        if (errno != EINTR) return io_error("cannot lock", path, errno);
    return FileLock(std::move(fd));
}

Status read_file(const std::string& path, size_t max_size, Bytes& out, bool& missing) {
    missing = false;
    net::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
        if (errno == ENOENT) {
            missing = true;
            return ok();
        }
        return io_error("cannot open", path, errno);
    }
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0) return io_error("cannot stat", path, errno);
    if (!S_ISREG(info.st_mode)) return fail(AlertDescription::internal_error, path + " is not a regular file");
    if (info.st_size < 0 || static_cast<uint64_t>(info.st_size) > max_size)
        return fail(AlertDescription::internal_error, path + " is larger than " + std::to_string(max_size) + " bytes");
    // Sized once: the buffer is never reallocated, so the caller's wipe reaches every copy.
    out.resize(static_cast<size_t>(info.st_size));
    size_t filled = 0;
    while (filled < out.size()) {
        const ssize_t n = ::read(fd.get(), out.data() + filled, out.size() - filled);
        if (n < 0) {
            if (errno == EINTR) continue;
            return io_error("cannot read", path, errno);
        }
        if (n == 0) break;  // shrank while we read: what we have is judged by the decoder
        filled += static_cast<size_t>(n);
    }
    out.resize(filled);
    return ok();
}

Status write_file_atomically(const std::string& path, ByteView contents) {
    std::string temporary = path + ".tmp.XXXXXX";
    // mkstemp creates the file with mode 0600 and O_EXCL: nobody else can have it open.
    net::UniqueFd fd(::mkostemp(temporary.data(), O_CLOEXEC));
    if (!fd.valid()) return io_error("cannot create a temporary file next to", path, errno);
    Status written = write_all(fd.get(), contents, temporary);
    if (written && ::fchmod(fd.get(), 0600) != 0) written = io_error("cannot chmod", temporary, errno);
    if (written && ::fsync(fd.get()) != 0) written = io_error("cannot fsync", temporary, errno);
    if (written && ::close(fd.release()) != 0) written = io_error("cannot close", temporary, errno);
    if (written && ::rename(temporary.c_str(), path.c_str()) != 0) written = io_error("cannot rename onto", path, errno);
    if (!written) {
        ::unlink(temporary.c_str());
        return written;
    }
    // The rename itself is durable only once the directory is synced.
    const std::string directory = directory_of(path);
    net::UniqueFd dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir.valid() || ::fsync(dir.get()) != 0) return io_error("cannot fsync the directory", directory, errno);
    return ok();
}

}  // namespace tpmtls::store_io
