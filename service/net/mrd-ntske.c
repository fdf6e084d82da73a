/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-ntske.c — the NTS-KE client over gnutls; see mrd-ntske.h. */
#include "net/mrd-ntske.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/mrd-io-error.h"

#define ALPN_NTSKE "ntske/1"
/* RFC 8915 §3: TLS 1.3 and nothing older. */
#define PRIORITY "NORMAL:-VERS-ALL:+VERS-TLS1.3"

typedef struct {
  guint set;
  GByteArray *pem;
  gnutls_certificate_credentials_t cred;   /* NULL until first used */
} TrustSet;

struct _MrdNtsTrust {
  gboolean system_certs;
  GArray *sets;                            /* TrustSet */
};

static void
trust_set_clear (gpointer p)
{
  TrustSet *t = p;

  g_byte_array_unref (t->pem);
  if (t->cred != NULL)
    gnutls_certificate_free_credentials (t->cred);
}

MrdNtsTrust *
mrd_nts_trust_new (gboolean system_certs)
{
  MrdNtsTrust *trust = g_new0 (MrdNtsTrust, 1);

  trust->system_certs = system_certs;
  trust->sets = g_array_new (FALSE, TRUE, sizeof (TrustSet));
  g_array_set_clear_func (trust->sets, trust_set_clear);
  return trust;
}

void
mrd_nts_trust_free (MrdNtsTrust *trust)
{
  if (trust == NULL)
    return;
  g_array_unref (trust->sets);
  g_free (trust);
}

gboolean
mrd_nts_trust_get_system (MrdNtsTrust *trust)
{
  return trust->system_certs;
}

static TrustSet *
find_set (MrdNtsTrust *trust, guint set, gboolean create)
{
  for (guint i = 0; i < trust->sets->len; i++)
    if (g_array_index (trust->sets, TrustSet, i).set == set)
      return &g_array_index (trust->sets, TrustSet, i);
  if (!create)
    return NULL;
  TrustSet t = { set, g_byte_array_new (), NULL };
  g_array_append_val (trust->sets, t);
  return &g_array_index (trust->sets, TrustSet, trust->sets->len - 1);
}

gboolean
mrd_nts_trust_add_pem (MrdNtsTrust *trust, guint set, const guint8 *pem, gsize len,
                       const char *label, GError **error)
{
  gnutls_x509_crt_t *crts = NULL;
  unsigned n = 0;
  gnutls_datum_t d = { (unsigned char *) pem, (unsigned) len };

  /* Checked here, so a file with no certificate is refused when it is read, not at the
   * first key exchange. */
  if (len == 0 || len > G_MAXUINT
      || gnutls_x509_crt_list_import2 (&crts, &n, &d, GNUTLS_X509_FMT_PEM, 0) < 0 || n == 0)
    {
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s: no PEM certificate (%" G_GSIZE_FORMAT " bytes)", label, len);
      return FALSE;
    }
  for (unsigned i = 0; i < n; i++)
    gnutls_x509_crt_deinit (crts[i]);
  gnutls_free (crts);
  TrustSet *t = find_set (trust, set, TRUE);
  g_byte_array_append (t->pem, pem, (guint) len);
  g_byte_array_append (t->pem, (const guint8 *) "\n", 1);
  return TRUE;
}

static gnutls_certificate_credentials_t
trust_credentials (MrdNtsTrust *trust, guint set, GError **error)
{
  TrustSet *t = find_set (trust, set, set == 0);
  int r;

  if (t == NULL)
    {
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "no trusted certificates in set %u (ntstrustedcerts)", set);
      return NULL;
    }
  if (t->cred != NULL)
    return t->cred;
  if ((r = gnutls_certificate_allocate_credentials (&t->cred)) < 0)
    goto fail;
  if (set == 0 && trust->system_certs
      && (r = gnutls_certificate_set_x509_system_trust (t->cred)) < 0)
    g_message ("NTS: the system's trusted certificates could not be loaded: %s",
               gnutls_strerror (r));
  if (t->pem->len > 0)
    {
      gnutls_datum_t d = { t->pem->data, t->pem->len };

      if ((r = gnutls_certificate_set_x509_trust_mem (t->cred, &d, GNUTLS_X509_FMT_PEM)) < 0)
        goto fail;
    }
  return t->cred;

fail:
  g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_FAILED, "TLS credentials: %s",
               gnutls_strerror (r));
  if (t->cred != NULL)
    gnutls_certificate_free_credentials (t->cred);
  t->cred = NULL;
  return NULL;
}

typedef enum { ST_CONNECT, ST_HANDSHAKE, ST_SEND, ST_RECEIVE } State;

struct _MrdNtske {
  char *name;
  gboolean check_time;           /* the certificates' validity times are checked */
  int fd;
  gnutls_session_t session;
  State state;
  guint8 request[32];
  gsize request_len, sent;
  guint8 *buf;
  gsize len;
  guint watch_id;
  GIOCondition watching;
  guint timeout_id;
  guint idle_id;
  GError *error;                 /* a failure found in mrd_ntske_start, reported from idle */
  MrdNtskeFunc func;
  gpointer user_data;
};

static void
ke_free (MrdNtske *ke)
{
  if (ke->watch_id)
    g_source_remove (ke->watch_id);
  if (ke->timeout_id)
    g_source_remove (ke->timeout_id);
  if (ke->idle_id)
    g_source_remove (ke->idle_id);
  if (ke->session != NULL)
    gnutls_deinit (ke->session);
  if (ke->fd >= 0)
    close (ke->fd);
  g_clear_error (&ke->error);
  if (ke->buf != NULL)
    memset (ke->buf, 0, NTS_KE_MAX_RESPONSE);
  g_free (ke->buf);
  g_free (ke->name);
  g_free (ke);
}

void
mrd_ntske_cancel (MrdNtske *ke)
{
  if (ke != NULL)
    ke_free (ke);
}

static void
finish (MrdNtske *ke, const NtsKeResponse *r, const guint8 *c2s, const guint8 *s2c,
        const GError *error)
{
  MrdNtskeFunc func = ke->func;
  gpointer user_data = ke->user_data;

  /* Freed before the callback, which may start the next exchange. */
  if (error != NULL)
    {
      g_autoptr(GError) copy = g_error_copy (error);

      ke_free (ke);
      func (NULL, NULL, NULL, copy, user_data);
      return;
    }
  ke_free (ke);
  func (r, c2s, s2c, NULL, user_data);
}

static void
fail (MrdNtske *ke, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
fail (MrdNtske *ke, const char *format, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;
  g_autoptr(GError) error = NULL;

  va_start (ap, format);
  msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  error = g_error_new (MRD_IO_ERROR, G_IO_ERROR_FAILED, "NTS-KE with %s: %s", ke->name, msg);
  finish (ke, NULL, NULL, NULL, error);
}

static gboolean on_fd (gint fd, GIOCondition condition, gpointer user_data);

static void
watch (MrdNtske *ke, GIOCondition condition)
{
  if (ke->watch_id != 0 && ke->watching == condition)
    return;
  if (ke->watch_id != 0)
    g_source_remove (ke->watch_id);
  ke->watching = condition;
  ke->watch_id = g_unix_fd_add (ke->fd, condition, on_fd, ke);
}

static void
watch_tls (MrdNtske *ke)
{
  watch (ke, gnutls_record_get_direction (ke->session) ? G_IO_OUT : G_IO_IN);
}

static gboolean
start_tls (MrdNtske *ke, MrdNtsTrust *trust, guint certset, GError **error)
{
  gnutls_certificate_credentials_t cred = trust_credentials (trust, certset, error);
  gnutls_datum_t alpn = { (unsigned char *) ALPN_NTSKE, sizeof ALPN_NTSKE - 1 };
  guint8 numeric[16];
  int r;

  if (cred == NULL)
    return FALSE;
  if ((r = gnutls_init (&ke->session, GNUTLS_CLIENT | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL)) < 0
      || (r = gnutls_priority_set_direct (ke->session, PRIORITY, NULL)) < 0
      || (r = gnutls_credentials_set (ke->session, GNUTLS_CRD_CERTIFICATE, cred)) < 0
      || (r = gnutls_alpn_set_protocols (ke->session, &alpn, 1, GNUTLS_ALPN_MANDATORY)) < 0)
    {
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_FAILED, "TLS: %s", gnutls_strerror (r));
      return FALSE;
    }
  /* SNI carries host names only (RFC 6066 §3); the certificate is checked for an address
   * as well. */
  if (inet_pton (AF_INET, ke->name, numeric) != 1 && inet_pton (AF_INET6, ke->name, numeric) != 1)
    gnutls_server_name_set (ke->session, GNUTLS_NAME_DNS, ke->name, strlen (ke->name));
  gnutls_session_set_verify_cert (ke->session, ke->name,
                                  ke->check_time ? 0 : GNUTLS_VERIFY_DISABLE_TIME_CHECKS
                                                       | GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS);
  gnutls_transport_set_int (ke->session, ke->fd);
  gnutls_handshake_set_timeout (ke->session, 0);
  return TRUE;
}

static void
export_and_finish (MrdNtske *ke, const NtsKeResponse *r)
{
  guint8 c2s[NTS_KEY_LEN], s2c[NTS_KEY_LEN], ctx[5];
  int e1, e2;

  ntp_nts_exporter_context (ctx, FALSE);
  e1 = gnutls_prf_rfc5705 (ke->session, strlen (NTS_EXPORTER_LABEL), NTS_EXPORTER_LABEL,
                           sizeof ctx, (const char *) ctx, NTS_KEY_LEN, (char *) c2s);
  ntp_nts_exporter_context (ctx, TRUE);
  e2 = gnutls_prf_rfc5705 (ke->session, strlen (NTS_EXPORTER_LABEL), NTS_EXPORTER_LABEL,
                           sizeof ctx, (const char *) ctx, NTS_KEY_LEN, (char *) s2c);
  if (e1 < 0 || e2 < 0)
    {
      fail (ke, "key export: %s", gnutls_strerror (e1 < 0 ? e1 : e2));
      return;
    }
  /* A close_notify if the socket takes it now; nothing waits for the server's. */
  gnutls_bye (ke->session, GNUTLS_SHUT_WR);
  finish (ke, r, c2s, s2c, NULL);
  memset (c2s, 0, sizeof c2s);
  memset (s2c, 0, sizeof s2c);
}

static void
step (MrdNtske *ke)
{
  int r;

  for (;;)
    switch (ke->state)
      {
      case ST_CONNECT:
        {
          int err = 0;
          socklen_t l = sizeof err;

          if (getsockopt (ke->fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0)
            err = errno;
          if (err != 0)
            {
              fail (ke, "connect: %s", g_strerror (err));
              return;
            }
          ke->state = ST_HANDSHAKE;
          break;
        }
      case ST_HANDSHAKE:
        r = gnutls_handshake (ke->session);
        if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
          {
            watch_tls (ke);
            return;
          }
        if (r < 0)
          {
            unsigned status = gnutls_session_get_verify_cert_status (ke->session);

            if (r == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR && status != 0)
              {
                gnutls_datum_t out = { NULL, 0 };

                gnutls_certificate_verification_status_print (status, GNUTLS_CRT_X509, &out, 0);
                fail (ke, "certificate not trusted: %s", out.data != NULL ? (char *) out.data : "");
                gnutls_free (out.data);
              }
            else
              fail (ke, "TLS handshake: %s", gnutls_strerror (r));
            return;
          }
        {
          gnutls_datum_t proto = { NULL, 0 };

          if (gnutls_alpn_get_selected_protocol (ke->session, &proto) < 0
              || proto.size != sizeof ALPN_NTSKE - 1
              || memcmp (proto.data, ALPN_NTSKE, proto.size) != 0)
            {
              fail (ke, "the server did not agree to ALPN %s", ALPN_NTSKE);
              return;
            }
        }
        ke->state = ST_SEND;
        break;
      case ST_SEND:
        r = (int) gnutls_record_send (ke->session, ke->request + ke->sent,
                                      ke->request_len - ke->sent);
        if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
          {
            watch_tls (ke);
            return;
          }
        if (r < 0)
          {
            fail (ke, "TLS send: %s", gnutls_strerror (r));
            return;
          }
        ke->sent += (gsize) r;
        if (ke->sent == ke->request_len)
          ke->state = ST_RECEIVE;
        break;
      case ST_RECEIVE:
        {
          NtsKeResponse *resp;
          NtsKeResult res;

          r = (int) gnutls_record_recv (ke->session, ke->buf + ke->len,
                                        NTS_KE_MAX_RESPONSE - ke->len);
          if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
            {
              watch_tls (ke);
              return;
            }
          if (r < 0 && r != GNUTLS_E_PREMATURE_TERMINATION)
            {
              fail (ke, "TLS receive: %s", gnutls_strerror (r));
              return;
            }
          if (r <= 0)
            {
              fail (ke, "the server closed the connection before the end of its response");
              return;
            }
          ke->len += (gsize) r;
          resp = g_new0 (NtsKeResponse, 1);
          res = ntp_nts_ke_parse_response (ke->buf, ke->len, resp);
          if (res == NTS_KE_INCOMPLETE && ke->len < NTS_KE_MAX_RESPONSE)
            {
              g_free (resp);
              break;
            }
          if (res == NTS_KE_INCOMPLETE)
            res = NTS_KE_TOO_LONG;
          if (res == NTS_KE_OK)
            export_and_finish (ke, resp);
          else if (res == NTS_KE_ERROR_RECORD)
            fail (ke, "%s (code %d)", ntp_nts_ke_result_string (res), resp->error);
          else if (res == NTS_KE_WARNING_RECORD)
            fail (ke, "%s (code %d)", ntp_nts_ke_result_string (res), resp->warning);
          else
            fail (ke, "%s", ntp_nts_ke_result_string (res));
          memset (resp, 0, sizeof *resp);
          g_free (resp);
          return;
        }
      }
}

static gboolean
on_fd (gint fd, GIOCondition condition, gpointer user_data)
{
  MrdNtske *ke = user_data;

  ke->watch_id = 0;
  step (ke);
  return G_SOURCE_REMOVE;
}

static gboolean
on_timeout (gpointer user_data)
{
  MrdNtske *ke = user_data;

  ke->timeout_id = 0;
  fail (ke, "no response in time");
  return G_SOURCE_REMOVE;
}

static gboolean
on_start_failed (gpointer user_data)
{
  MrdNtske *ke = user_data;
  g_autoptr(GError) error = g_steal_pointer (&ke->error);

  ke->idle_id = 0;
  finish (ke, NULL, NULL, NULL, error);
  return G_SOURCE_REMOVE;
}

MrdNtske *
mrd_ntske_start (MrdNtsTrust *trust, guint certset, const char *name,
                 const MrdNetAddress *address, int fd, gboolean check_time, guint timeout_ms,
                 MrdNtskeFunc func, gpointer user_data)
{
  MrdNtske *ke = g_new0 (MrdNtske, 1);
  g_autoptr(GError) error = NULL;

  ke->name = g_strdup (name);
  ke->check_time = check_time;
  ke->func = func;
  ke->user_data = user_data;
  ke->buf = g_malloc0 (NTS_KE_MAX_RESPONSE);
  ke->request_len = ntp_nts_ke_encode_request (ke->request, sizeof ke->request);
  ke->fd = fd;
  if (connect (ke->fd, (const struct sockaddr *) &address->ss, address->len) < 0
      && errno != EINPROGRESS)
    g_set_error (&error, MRD_IO_ERROR, mrd_io_error_from_errno (errno), "connect: %s",
                 g_strerror (errno));
  else
    start_tls (ke, trust, certset, &error);
  if (error != NULL)
    {
      ke->error = g_error_new (MRD_IO_ERROR, error->code, "NTS-KE with %s: %s", name,
                               error->message);
      ke->idle_id = g_idle_add (on_start_failed, ke);
      return ke;
    }
  ke->state = ST_CONNECT;
  watch (ke, G_IO_OUT);
  ke->timeout_id = g_timeout_add (timeout_ms, on_timeout, ke);
  return ke;
}
