// RAII for a C library struct that comes with an init and a free function, as every mbedTLS
// context does (STYLE.md §10):
//     using Mpi = CStruct<mbedtls_mpi, mbedtls_mpi_init, mbedtls_mpi_free>;
//     Mpi z;  ... mbedtls_mpi_write_binary(&z.value, ...);   // freed (and zeroized) at scope end
// The header names no library, so it may sit beside the public headers; the .cpp that uses it
// includes the library.
#pragma once

namespace tpmtls {

template <class T, void (*Init)(T*), void (*Free)(T*)>
struct CStruct {
    T value;

    CStruct() { Init(&value); }
    ~CStruct() { Free(&value); }
    CStruct(const CStruct&) = delete;
    CStruct& operator=(const CStruct&) = delete;
};

}  // namespace tpmtls
