// Every handshake message codec (RFC 8446 §4), for code that handles several of them.
#pragma once

#include "tls13/messages/certificate.h"
#include "tls13/messages/certificate_request.h"
#include "tls13/messages/certificate_verify.h"
#include "tls13/messages/client_hello.h"
#include "tls13/messages/encrypted_extensions.h"
#include "tls13/messages/end_of_early_data.h"
#include "tls13/messages/finished.h"
#include "tls13/messages/handshake.h"
#include "tls13/messages/key_update.h"
#include "tls13/messages/message_hash.h"
#include "tls13/messages/new_session_ticket.h"
#include "tls13/messages/server_hello.h"
