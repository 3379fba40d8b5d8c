// SPDX-License-Identifier: MIT
/*
 * The AESM socket protocol's quote requests, with protobuf-c.  A client
 * selects the attestation key (there is one: ECDSA P-256 from sgxemu's
 * QE), asks for the QE's TARGETINFO (InitQuoteEx), has its enclave make a
 * REPORT for it, then asks for the quote's size and the quote.  Each
 * message is a 4-byte little-endian length and a serialized Request or
 * Response (src/dcap/aesm.proto); a connection may send several.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aesm.pb-c.h"
#include "dcap/aesm.h"

#define MAX_MESSAGE (1 << 20)

typedef Aesm__Message__Request Request;
typedef Aesm__Message__Response Response;

static u32 aesm_error_of(int err)
{
	switch (err) {
	case 0:
		return AESM_SUCCESS;
	case -EINVAL:
	case -ENOSPC:
		return AESM_PARAMETER_ERROR;
	case -ENOMEM:
		return AESM_OUT_OF_MEMORY_ERROR;
	case -EBADMSG:
		return AESM_INVALID_REPORT;
	case -EKEYREJECTED:
		return AESM_ATT_KEY_BLOB_ERROR;
	case -ENOENT:
	case -ENODEV:
	case -EPERM:
		return AESM_ENCLAVE_LOAD_ERROR;
	default:
		return AESM_UNEXPECTED_ERROR;
	}
}

/* sgx_att_key_id_ext_t of the QE's key: sgx_ql_att_key_id_t (id 0,
 * version 0, MRSIGNER length 32, MRSIGNER, product ID, zero extended
 * product, config and family IDs, algorithm 2), zero SPID, type, reserved. */
static void key_id(const struct dcap_quoter *q, u8 id[AESM_ATT_KEY_ID_SIZE])
{
	u16 mrsigner_len = 32;
	u32 prod_id = q->qe_isvprodid, alg = SGXEMU_QUOTE_ATT_KEY_ECDSA_P256;

	memset(id, 0, AESM_ATT_KEY_ID_SIZE);
	memcpy(id + 4, &mrsigner_len, 2);
	memcpy(id + 6, q->qe_mrsigner, 32);
	memcpy(id + 54, &prod_id, 4);
	memcpy(id + 154, &alg, 4);
}

/* Is the client's @id (of @has bytes) sgxemu's key?  An AESM error. */
static u32 check_key_id(const struct dcap_quoter *q, protobuf_c_boolean has,
			const ProtobufCBinaryData *id)
{
	u8 ours[AESM_ATT_KEY_ID_SIZE];

	if (!has || id->len < AESM_ATT_KEY_ID_SIZE)
		return AESM_PARAMETER_ERROR;
	key_id(q, ours);
	return memcmp(id->data, ours, AESM_ATT_KEY_ID_BASE) ? AESM_UNSUPPORTED_ATT_KEY_ID :
							       AESM_SUCCESS;
}

static u32 select_key(struct dcap_quoter *q, const Aesm__Message__Request__SelectAttKeyIDRequest *r,
		      u8 id[AESM_ATT_KEY_ID_SIZE])
{
	const ProtobufCBinaryData *l = &r->att_key_id_list;
	u8 ours[AESM_ATT_KEY_ID_SIZE];
	u32 num, i;
	u16 hid, hver;

	key_id(q, ours);
	memcpy(id, ours, sizeof(ours));
	if (!r->has_att_key_id_list || !l->len)
		return AESM_SUCCESS;
	/* sgx_ql_att_key_id_list_t: id, version (0, 0), count, then the IDs. */
	if (l->len < 8)
		return AESM_PARAMETER_ERROR;
	memcpy(&hid, l->data, 2);
	memcpy(&hver, l->data + 2, 2);
	memcpy(&num, l->data + 4, 4);
	if (hid || hver || num > 10 || 8 + (size_t)num * AESM_ATT_KEY_ID_SIZE != l->len)
		return AESM_PARAMETER_ERROR;
	for (i = 0; i < num; i++)
		if (!memcmp(l->data + 8 + i * AESM_ATT_KEY_ID_SIZE, ours, AESM_ATT_KEY_ID_BASE))
			return AESM_SUCCESS;
	return AESM_UNSUPPORTED_ATT_KEY_ID;
}

/* Buffers a response points to until it is packed. */
struct answer {
	struct sgx_targetinfo ti;
	u8 id[AESM_ATT_KEY_ID_SIZE];
	u8 pub_key_id[32];
	struct dcap_qe_report_info info;
	u8 *quote;
};

static void init_quote(struct dcap_quoter *q, const Aesm__Message__Request__InitQuoteExRequest *r,
		       Aesm__Message__Response__InitQuoteExResponse *res, struct answer *a)
{
	char why[512];
	u32 err = check_key_id(q, r->has_att_key_id, &r->att_key_id);

	/* The public key ID is the SHA-256 the QE's REPORTDATA holds. */
	if (!err && r->b_pub_key_id && (!r->has_buf_size || r->buf_size < sizeof(a->pub_key_id)))
		err = AESM_PARAMETER_ERROR;
	if (!err)
		err = aesm_error_of(dcap_quoter_target(q, &a->ti, why, sizeof(why)));
	memcpy(a->pub_key_id, q->qe_report.reportdata, sizeof(a->pub_key_id));
	res->errorcode = err;
	res->has_target_info = !err;
	res->target_info = (ProtobufCBinaryData){ sizeof(a->ti), (u8 *)&a->ti };
	res->has_pub_key_id_size = !err;
	res->pub_key_id_size = sizeof(a->pub_key_id);
	res->has_pub_key_id = !err && r->b_pub_key_id;
	res->pub_key_id = (ProtobufCBinaryData){ sizeof(a->pub_key_id), a->pub_key_id };
}

static void get_quote(struct dcap_quoter *q, const Aesm__Message__Request__GetQuoteExRequest *r,
		      Aesm__Message__Response__GetQuoteExResponse *res, struct answer *a)
{
	char why[512];
	u32 err = check_key_id(q, r->has_att_key_id, &r->att_key_id), len = 0;

	if (!err && r->report.len != sizeof(struct sgx_report))
		err = AESM_PARAMETER_ERROR;
	/* sgx_ql_qe_report_info_t: a nonce and the application's TARGETINFO. */
	if (!err && r->has_qe_report_info && r->qe_report_info.len != sizeof(a->info))
		err = AESM_PARAMETER_ERROR;
	if (!err && r->has_qe_report_info)
		memcpy(&a->info, r->qe_report_info.data, sizeof(a->info));
	if (!err)
		err = aesm_error_of(dcap_quoter_quote_size(q, &len, why, sizeof(why)));
	if (!err && r->buf_size < len)
		err = AESM_PARAMETER_ERROR;
	if (!err) {
		a->quote = malloc(len);
		err = a->quote ? aesm_error_of(dcap_quoter_quote(
					 q, r->report.data, r->has_qe_report_info ? &a->info : NULL,
					 a->quote, len, why, sizeof(why))) :
				 AESM_OUT_OF_MEMORY_ERROR;
	}
	res->errorcode = err;
	res->has_quote = !err;
	res->quote = (ProtobufCBinaryData){ err ? 0 : len, a->quote };
	res->has_qe_report_info = !err && r->has_qe_report_info;
	res->qe_report_info = (ProtobufCBinaryData){ sizeof(a->info), (u8 *)&a->info };
}

/* Fill @res for @req, with what it points to in @a. */
static void answer(struct dcap_quoter *q, const Request *req, Response *res, struct answer *a)
{
	static Aesm__Message__Response__InitQuoteExResponse init =
		AESM__MESSAGE__RESPONSE__INIT_QUOTE_EX_RESPONSE__INIT;
	static Aesm__Message__Response__GetQuoteSizeExResponse size =
		AESM__MESSAGE__RESPONSE__GET_QUOTE_SIZE_EX_RESPONSE__INIT;
	static Aesm__Message__Response__GetQuoteExResponse quote =
		AESM__MESSAGE__RESPONSE__GET_QUOTE_EX_RESPONSE__INIT;
	static Aesm__Message__Response__SelectAttKeyIDResponse select =
		AESM__MESSAGE__RESPONSE__SELECT_ATT_KEY_IDRESPONSE__INIT;
	static Aesm__Message__Response__GetSupportedAttKeyIDNumResponse num =
		AESM__MESSAGE__RESPONSE__GET_SUPPORTED_ATT_KEY_IDNUM_RESPONSE__INIT;
	static Aesm__Message__Response__GetSupportedAttKeyIDsResponse ids =
		AESM__MESSAGE__RESPONSE__GET_SUPPORTED_ATT_KEY_IDS_RESPONSE__INIT;
	static Aesm__Message__Response__UnsupportedRequestResponse unsupported =
		AESM__MESSAGE__RESPONSE__UNSUPPORTED_REQUEST_RESPONSE__INIT;
	char why[512];
	u32 err;

	/* The QE is loaded (and the key made) before anything is answered. */
	err = aesm_error_of(dcap_quoter_start(q, why, sizeof(why)));
	if (req->selectattkeyidreq) {
		res->selectattkeyidres = &select;
		select.errorcode = err ? err : select_key(q, req->selectattkeyidreq, a->id);
		select.has_selected_att_key_id = !select.errorcode;
		select.selected_att_key_id = (ProtobufCBinaryData){ sizeof(a->id), a->id };
	} else if (req->getsupportedattkeyidnumreq) {
		res->getsupportedattkeyidnumres = &num;
		num.errorcode = err;
		num.has_att_key_id_num = !err;
		num.att_key_id_num = 1;
	} else if (req->getsupportedattkeyidsreq) {
		res->getsupportedattkeyidsres = &ids;
		if (!err && req->getsupportedattkeyidsreq->buf_size < sizeof(a->id))
			err = AESM_PARAMETER_ERROR;
		key_id(q, a->id);
		ids.errorcode = err;
		ids.has_att_key_ids = !err;
		ids.att_key_ids = (ProtobufCBinaryData){ sizeof(a->id), a->id };
	} else if (req->initquoteexreq) {
		res->initquoteexres = &init;
		init.errorcode = err;
		if (!err)
			init_quote(q, req->initquoteexreq, &init, a);
	} else if (req->getquotesizeexreq) {
		const Aesm__Message__Request__GetQuoteSizeExRequest *r = req->getquotesizeexreq;

		res->getquotesizeexres = &size;
		if (!err)
			err = check_key_id(q, r->has_att_key_id, &r->att_key_id);
		if (!err)
			err = aesm_error_of(dcap_quoter_quote_size(q, &size.quote_size, why,
								   sizeof(why)));
		size.errorcode = err;
		size.has_quote_size = !err;
	} else if (req->getquoteexreq) {
		res->getquoteexres = &quote;
		quote.errorcode = err;
		quote.has_quote = quote.has_qe_report_info = 0;
		if (!err)
			get_quote(q, req->getquoteexreq, &quote, a);
	} else {
		res->unsupportedrequestresponse = &unsupported;
		unsupported.errorcode = AESM_UNEXPECTED_ERROR;
	}
}

int dcap_aesm_answer(struct dcap_quoter *q, const u8 *req, size_t len, u8 **resp,
		     size_t *resp_len)
{
	Response res = AESM__MESSAGE__RESPONSE__INIT;
	Request *r = aesm__message__request__unpack(NULL, len, req);
	static struct answer a;

	if (!r)
		return -EBADMSG;
	memset(&a, 0, sizeof(a));
	answer(q, r, &res, &a);
	aesm__message__request__free_unpacked(r, NULL);
	*resp_len = aesm__message__response__get_packed_size(&res);
	*resp = malloc(*resp_len ? *resp_len : 1);
	if (*resp)
		aesm__message__response__pack(&res, *resp);
	free(a.quote);
	return *resp ? 0 : -ENOMEM;
}

/* Exactly @len bytes; 0 at a clean end of stream before any, 1 when read. */
static int read_full(int fd, u8 *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = read(fd, buf + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 && off == 0 ? 0 : -EIO;
		off += (size_t)n;
	}
	return 1;
}

static int write_full(int fd, const u8 *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = write(fd, buf + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		off += (size_t)n;
	}
	return 0;
}

/* One connection: requests and answers until it closes or misbehaves. */
static void serve_one(struct dcap_quoter *q, int fd)
{
	u8 hdr[4], *req, *resp;
	size_t resp_len;
	u32 len;
	int ret;

	for (;;) {
		if (read_full(fd, hdr, 4) <= 0)
			return;
		memcpy(&len, hdr, 4);
		if (len > MAX_MESSAGE)
			return;
		req = malloc(len ? len : 1);
		if (!req)
			return;
		ret = read_full(fd, req, len);
		if (ret > 0 || len == 0)
			ret = dcap_aesm_answer(q, req, len, &resp, &resp_len);
		else
			ret = -EIO;
		free(req);
		if (ret)
			return;
		len = (u32)resp_len;
		memcpy(hdr, &len, 4);
		ret = write_full(fd, hdr, 4);
		if (!ret)
			ret = write_full(fd, resp, resp_len);
		free(resp);
		if (ret)
			return;
	}
}

int dcap_aesm_serve(struct dcap_quoter *q, int fd, volatile sig_atomic_t *stop)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct timeval tv = { .tv_sec = 30 };

	while (!*stop) {
		int c, n = poll(&p, 1, 200);

		if (n < 0 && errno != EINTR)
			return -errno;
		if (n <= 0)
			continue;
		c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED)
				continue;
			return -errno;
		}
		/* A client that stops talking does not hold the service. */
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		serve_one(q, c);
		close(c);
	}
	return 0;
}
