#include "server/ticket_key_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace tpmtls {

namespace {

constexpr const char* magic_line = "tpmtls-ticket-keys v1";

Alert file_error(const std::string& path, const std::string& what) {
    return fail(AlertDescription::internal_error, "ticket key file " + path + ": " + what);
}

// An exclusive advisory lock on "<path>.lock" for the read-modify-write of rotate, so two
// rotations from two processes do not lose a key. Readers do not lock: rename is atomic.
class FileLock {
public:
    explicit FileLock(const std::string& path) : fd_(::open((path + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
        if (fd_ >= 0) locked_ = ::flock(fd_, LOCK_EX) == 0;
    }
    ~FileLock() {
        if (fd_ >= 0) ::close(fd_);  // closing releases the lock
    }
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;
    bool locked() const { return locked_; }

private:
    int fd_;
    bool locked_ = false;
};

// A temporary file beside the target, removed unless committed by rename.
class TempFile {
public:
    explicit TempFile(const std::string& target) : path_(target + ".tmp.XXXXXX") {
        fd_ = ::mkstemp(path_.data());  // mode 0600
    }
    ~TempFile() {
        if (fd_ >= 0) ::close(fd_);
        if (!committed_) ::unlink(path_.c_str());
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    Status write_all(const std::string& target, std::string_view text) {
        if (fd_ < 0) return file_error(target, std::string("cannot create a temporary file: ") + std::strerror(errno));
        size_t done = 0;
        while (done < text.size()) {
            const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return file_error(target, "cannot write the temporary file");
            done += static_cast<size_t>(n);
        }
        if (::fchmod(fd_, 0600) != 0 || ::fsync(fd_) != 0) return file_error(target, "cannot sync the temporary file");
        const int fd = fd_;
        fd_ = -1;
        if (::close(fd) != 0) return file_error(target, "cannot close the temporary file");
        return ok();
    }
    Status commit(const std::string& target) {
        if (::rename(path_.c_str(), target.c_str()) != 0)
            return file_error(target, std::string("cannot replace: ") + std::strerror(errno));
        committed_ = true;
        return ok();
    }

private:
    std::string path_;
    int fd_ = -1;
    bool committed_ = false;
};

std::string format_keys(const TicketKeys& keys) {
    std::string text = std::string(magic_line) + "\n";
    for (const auto& entry : keys.entries()) {
        text += to_hex(entry.id) + " " + to_hex(entry.key.view()) + " " + std::to_string(entry.created_unix_seconds) + "\n";
    }
    return text;
}

Result<std::vector<TicketKeys::Entry>> parse_keys(const std::string& path, const std::string& text) {
    std::istringstream in(text);
    std::string line;
    if (!std::getline(in, line) || line != magic_line) return file_error(path, "corrupt: not a tpmtls ticket key file");
    std::vector<TicketKeys::Entry> entries;
    size_t number = 1;
    while (std::getline(in, line)) {
        ++number;
        const std::string where = "corrupt line " + std::to_string(number);
        std::istringstream fields(line);
        std::string id_hex, key_hex, created_text, extra;
        if (!(fields >> id_hex >> key_hex >> created_text) || (fields >> extra)) return file_error(path, where);
        auto id = from_hex(id_hex);
        auto key = from_hex(key_hex);
        if (!id || id->size() != TicketKeys::id_size || !key || key->size() != TicketKeys::key_size)
            return file_error(path, where + " (key id or key of the wrong size)");
        TicketKeys::Entry entry;
        std::copy(id->begin(), id->end(), entry.id.begin());
        entry.key = Key(view(*key));
        secure_wipe(key->data(), key->size());
        try {
            size_t used = 0;
            entry.created_unix_seconds = std::stoll(created_text, &used);
            if (used != created_text.size()) return file_error(path, where + " (creation time)");
        } catch (const std::exception&) {
            return file_error(path, where + " (creation time)");
        }
        entries.push_back(std::move(entry));
    }
    if (entries.empty()) return file_error(path, "corrupt: no keys");
    return entries;
}

Result<std::vector<TicketKeys::Entry>> read_entries(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return file_error(path, std::string("cannot open: ") + std::strerror(errno));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return file_error(path, "cannot read");
    auto entries = parse_keys(path, text);
    secure_wipe(text.data(), text.size());
    return entries;
}

Status replace_file(const std::string& path, std::string text) {
    TempFile temp(path);
    const Status written = temp.write_all(path, text);
    secure_wipe(text.data(), text.size());
    TRY(written);
    return temp.commit(path);
}

}  // namespace

Result<std::shared_ptr<TicketKeys>> load_ticket_key_file(const std::string& path, size_t capacity) {
    auto entries = TRY(read_entries(path));
    auto keys = std::make_shared<TicketKeys>(std::max(capacity, entries.size()));
    TRY(keys->install(std::move(entries)));
    return keys;
}

Status write_ticket_key_file(const std::string& path, const TicketKeys& keys) {
    if (keys.size() == 0) return file_error(path, "refusing to write an empty key ring");
    return replace_file(path, format_keys(keys));
}

Status create_ticket_key_file(const std::string& path, Random& random, const Clock& clock, size_t capacity) {
    const FileLock lock(path);
    if (!lock.locked()) return file_error(path, "cannot lock");
    if (::access(path.c_str(), F_OK) == 0) return file_error(path, "already exists");
    const auto keys = TicketKeys::generate(random, clock.unix_seconds(), capacity);
    return write_ticket_key_file(path, *keys);
}

Status rotate_ticket_key_file(const std::string& path, Random& random, const Clock& clock, size_t capacity) {
    const FileLock lock(path);
    if (!lock.locked()) return file_error(path, "cannot lock");
    auto entries = TRY(read_entries(path));
    TicketKeys keys(std::max(capacity, entries.size()));
    TRY(keys.install(std::move(entries)));
    TicketKeys rotated(capacity);
    std::vector<TicketKeys::Entry> kept = keys.entries();
    if (kept.size() >= capacity) kept.resize(capacity - 1 == 0 ? 0 : capacity - 1);
    if (!kept.empty()) TRY(rotated.install(std::move(kept)));
    rotated.rotate(random, clock.unix_seconds());
    return write_ticket_key_file(path, rotated);
}

Status reload_ticket_key_file(const std::string& path, TicketKeys& keys) {
    auto entries = TRY(read_entries(path));
    if (entries.size() > keys.capacity()) entries.resize(keys.capacity());
    return keys.install(std::move(entries));
}

}  // namespace tpmtls
