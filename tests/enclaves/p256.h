/* SPDX-License-Identifier: MIT */
/*
 * NIST P-256 and ECDSA signing for freestanding enclave code, which has no
 * libcrypto (doc/attestation.md says why it is written here).
 *
 * Numbers are four 64-bit limbs, least significant first.  Arithmetic
 * modulo p (coordinates) and n (scalars) is Montgomery multiplication with
 * a masked final subtraction; points use projective coordinates and the
 * complete addition formula of Renes, Costello and Batina (2016, algorithm
 * 4, a = -3), which also doubles and handles the point at infinity, so no
 * step branches on secret data.  Scalar multiplication takes 4-bit windows
 * and reads every table entry for each window.  Only the exponents of the
 * Fermat inversions (p - 2, n - 2, public) decide branches.
 *
 * Needs memcpy/memset and the u8/u32/u64 types declared first.
 * tests/integration/enclave_crypto_test.c checks it against OpenSSL.
 */
#ifndef SGXEMU_TESTS_ENCLAVES_P256_H
#define SGXEMU_TESTS_ENCLAVES_P256_H

typedef unsigned __int128 p256_u128;

struct p256_mod {
	u64 m[4];       /* the modulus */
	u64 minv;       /* -m^-1 mod 2^64 */
	u64 rr[4];      /* R^2 mod m, R = 2^256 */
	u64 one[4];     /* R mod m: 1 in Montgomery form */
};

static const struct p256_mod p256_p = {
	{ 0xffffffffffffffffULL, 0x00000000ffffffffULL, 0x0000000000000000ULL,
	  0xffffffff00000001ULL },
	0x1,
	{ 0x0000000000000003ULL, 0xfffffffbffffffffULL, 0xfffffffffffffffeULL,
	  0x00000004fffffffdULL },
	{ 0x0000000000000001ULL, 0xffffffff00000000ULL, 0xffffffffffffffffULL,
	  0x00000000fffffffeULL },
};

static const struct p256_mod p256_n = {
	{ 0xf3b9cac2fc632551ULL, 0xbce6faada7179e84ULL, 0xffffffffffffffffULL,
	  0xffffffff00000000ULL },
	0xccd1c8aaee00bc4fULL,
	{ 0x83244c95be79eea2ULL, 0x4699799c49bd6fa6ULL, 0x2845b2392b6bec59ULL,
	  0x66e12d94f3d95620ULL },
	{ 0x0c46353d039cdaafULL, 0x4319055258e8617bULL, 0x0000000000000000ULL,
	  0x00000000ffffffffULL },
};

/* The curve's b and generator, in Montgomery form modulo p. */
static const u64 p256_b[4] = { 0xd89cdf6229c4bddfULL, 0xacf005cd78843090ULL,
			       0xe5a220abf7212ed6ULL, 0xdc30061d04874834ULL };
static const u64 p256_gx[4] = { 0x79e730d418a9143cULL, 0x75ba95fc5fedb601ULL,
				0x79fb732b77622510ULL, 0x18905f76a53755c6ULL };
static const u64 p256_gy[4] = { 0xddf25357ce95560aULL, 0x8b4ab8e4ba19e45cULL,
				0xd2e88688dd21f325ULL, 0x8571ff1825885d85ULL };

struct p256_point {
	u64 x[4], y[4], z[4];   /* projective, Montgomery form */
};

/* r = a - b over 4 limbs; the borrow out (0 or 1). */
static u64 p256_sub_raw(u64 r[4], const u64 a[4], const u64 b[4])
{
	u64 borrow = 0;
	int i;

	for (i = 0; i < 4; i++) {
		p256_u128 x = (p256_u128)a[i] - b[i] - borrow;

		r[i] = (u64)x;
		borrow = (u64)(x >> 64) & 1;
	}
	return borrow;
}

/* r = mask ? a : b, for mask all ones or zero. */
static void p256_select(u64 r[4], u64 mask, const u64 a[4], const u64 b[4])
{
	int i;

	for (i = 0; i < 4; i++)
		r[i] = (a[i] & mask) | (b[i] & ~mask);
}

/* r = a * b / R mod m, for a, b < m (CIOS Montgomery multiplication). */
static void p256_mul(const struct p256_mod *md, u64 r[4], const u64 a[4], const u64 b[4])
{
	u64 t[6] = { 0 }, d[4], carry, q, borrow, keep;
	p256_u128 x;
	int i, j;

	for (i = 0; i < 4; i++) {
		carry = 0;
		for (j = 0; j < 4; j++) {
			x = (p256_u128)a[j] * b[i] + t[j] + carry;
			t[j] = (u64)x;
			carry = (u64)(x >> 64);
		}
		x = (p256_u128)t[4] + carry;
		t[4] = (u64)x;
		t[5] = (u64)(x >> 64);
		q = t[0] * md->minv;
		x = (p256_u128)q * md->m[0] + t[0];
		carry = (u64)(x >> 64);
		for (j = 1; j < 4; j++) {
			x = (p256_u128)q * md->m[j] + t[j] + carry;
			t[j - 1] = (u64)x;
			carry = (u64)(x >> 64);
		}
		x = (p256_u128)t[4] + carry;
		t[3] = (u64)x;
		t[4] = t[5] + (u64)(x >> 64);
	}
	/* t < 2m: subtract m unless that borrows past t[4]. */
	borrow = p256_sub_raw(d, t, md->m);
	keep = borrow & (t[4] ^ 1);
	p256_select(r, 0 - keep, t, d);
}

static void p256_add(const struct p256_mod *md, u64 r[4], const u64 a[4], const u64 b[4])
{
	u64 s[4], d[4], carry = 0, borrow;
	int i;

	for (i = 0; i < 4; i++) {
		p256_u128 x = (p256_u128)a[i] + b[i] + carry;

		s[i] = (u64)x;
		carry = (u64)(x >> 64);
	}
	borrow = p256_sub_raw(d, s, md->m);
	p256_select(r, 0 - (borrow & (carry ^ 1)), s, d);
}

static void p256_sub(const struct p256_mod *md, u64 r[4], const u64 a[4], const u64 b[4])
{
	u64 d[4], m[4], mask = 0 - p256_sub_raw(d, a, b);
	u64 carry = 0;
	int i;

	for (i = 0; i < 4; i++)
		m[i] = md->m[i] & mask;
	for (i = 0; i < 4; i++) {
		p256_u128 x = (p256_u128)d[i] + m[i] + carry;

		r[i] = (u64)x;
		carry = (u64)(x >> 64);
	}
}

/* a^(m-2) = a^-1 in Montgomery form (Fermat; the exponent is public). */
static void p256_inv(const struct p256_mod *md, u64 r[4], const u64 a[4])
{
	u64 e[4], acc[4];
	static const u64 two[4] = { 2, 0, 0, 0 };
	int i;

	p256_sub_raw(e, md->m, two);
	memcpy(acc, md->one, sizeof(acc));
	for (i = 255; i >= 0; i--) {
		p256_mul(md, acc, acc, acc);
		if ((e[i / 64] >> (i % 64)) & 1)
			p256_mul(md, acc, acc, a);
	}
	memcpy(r, acc, sizeof(acc));
}

static void p256_to_mont(const struct p256_mod *md, u64 r[4], const u64 a[4])
{
	p256_mul(md, r, a, md->rr);
}

static void p256_from_mont(const struct p256_mod *md, u64 r[4], const u64 a[4])
{
	static const u64 one[4] = { 1, 0, 0, 0 };

	p256_mul(md, r, a, one);
}

static void p256_from_be(u64 r[4], const u8 b[32])
{
	int i, j;

	for (i = 0; i < 4; i++) {
		r[i] = 0;
		for (j = 0; j < 8; j++)
			r[i] = r[i] << 8 | b[(3 - i) * 8 + j];
	}
}

static void p256_to_be(u8 b[32], const u64 a[4])
{
	int i, j;

	for (i = 0; i < 4; i++)
		for (j = 0; j < 8; j++)
			b[(3 - i) * 8 + j] = (u8)(a[i] >> (56 - 8 * j));
}

/* 1 when 0 < a < m, else 0; constant time. */
static u64 p256_in_range(const struct p256_mod *md, const u64 a[4])
{
	u64 d[4], nz = a[0] | a[1] | a[2] | a[3];

	return p256_sub_raw(d, a, md->m) & ((nz | (0 - nz)) >> 63);
}

/* R = P + Q, complete (RCB algorithm 4): also for P = Q and infinity. */
static void p256_point_add(struct p256_point *R, const struct p256_point *P,
			   const struct p256_point *Q)
{
	const struct p256_mod *f = &p256_p;
	u64 t0[4], t1[4], t2[4], t3[4], t4[4], X3[4], Y3[4], Z3[4];

	p256_mul(f, t0, P->x, Q->x);
	p256_mul(f, t1, P->y, Q->y);
	p256_mul(f, t2, P->z, Q->z);
	p256_add(f, t3, P->x, P->y);
	p256_add(f, t4, Q->x, Q->y);
	p256_mul(f, t3, t3, t4);
	p256_add(f, t4, t0, t1);
	p256_sub(f, t3, t3, t4);
	p256_add(f, t4, P->y, P->z);
	p256_add(f, X3, Q->y, Q->z);
	p256_mul(f, t4, t4, X3);
	p256_add(f, X3, t1, t2);
	p256_sub(f, t4, t4, X3);
	p256_add(f, X3, P->x, P->z);
	p256_add(f, Y3, Q->x, Q->z);
	p256_mul(f, X3, X3, Y3);
	p256_add(f, Y3, t0, t2);
	p256_sub(f, Y3, X3, Y3);
	p256_mul(f, Z3, p256_b, t2);
	p256_sub(f, X3, Y3, Z3);
	p256_add(f, Z3, X3, X3);
	p256_add(f, X3, X3, Z3);
	p256_sub(f, Z3, t1, X3);
	p256_add(f, X3, t1, X3);
	p256_mul(f, Y3, p256_b, Y3);
	p256_add(f, t1, t2, t2);
	p256_add(f, t2, t1, t2);
	p256_sub(f, Y3, Y3, t2);
	p256_sub(f, Y3, Y3, t0);
	p256_add(f, t1, Y3, Y3);
	p256_add(f, Y3, t1, Y3);
	p256_add(f, t1, t0, t0);
	p256_add(f, t0, t1, t0);
	p256_sub(f, t0, t0, t2);
	p256_mul(f, t1, t4, Y3);
	p256_mul(f, t2, t0, Y3);
	p256_mul(f, Y3, X3, Z3);
	p256_add(f, Y3, Y3, t2);
	p256_mul(f, X3, X3, t3);
	p256_sub(f, X3, X3, t1);
	p256_mul(f, Z3, t4, Z3);
	p256_mul(f, t1, t3, t0);
	p256_add(f, Z3, Z3, t1);
	memcpy(R->x, X3, sizeof(X3));
	memcpy(R->y, Y3, sizeof(Y3));
	memcpy(R->z, Z3, sizeof(Z3));
}

/* Affine x and y (plain integers, not Montgomery) of k * G, for 0 < k < n. */
static void p256_base_mul(const u64 k[4], u64 x[4], u64 y[4])
{
	struct p256_point table[16], acc, pick;
	u64 zinv[4];
	unsigned int i, j, w;

	/* table[i] = i * G; table[0] is the point at infinity (0 : 1 : 0). */
	memset(&table[0], 0, sizeof(table[0]));
	memcpy(table[0].y, p256_p.one, sizeof(table[0].y));
	memcpy(table[1].x, p256_gx, sizeof(table[1].x));
	memcpy(table[1].y, p256_gy, sizeof(table[1].y));
	memcpy(table[1].z, p256_p.one, sizeof(table[1].z));
	for (i = 2; i < 16; i++)
		p256_point_add(&table[i], &table[i - 1], &table[1]);
	acc = table[0];
	for (w = 64; w-- > 0;) {
		u64 nib = (k[w / 16] >> (4 * (w % 16))) & 15;

		for (i = 0; i < 4; i++)
			p256_point_add(&acc, &acc, &acc);
		memset(&pick, 0, sizeof(pick));
		for (i = 0; i < 16; i++) {
			u64 diff = nib ^ i;
			u64 mask = ((diff | (0 - diff)) >> 63) - 1;

			for (j = 0; j < 4; j++) {
				pick.x[j] |= table[i].x[j] & mask;
				pick.y[j] |= table[i].y[j] & mask;
				pick.z[j] |= table[i].z[j] & mask;
			}
		}
		p256_point_add(&acc, &acc, &pick);
	}
	p256_inv(&p256_p, zinv, acc.z);
	p256_mul(&p256_p, x, acc.x, zinv);
	p256_mul(&p256_p, y, acc.y, zinv);
	p256_from_mont(&p256_p, x, x);
	p256_from_mont(&p256_p, y, y);
}

/*
 * The public key (x || y, big-endian, 64 bytes) of private key @d (32 bytes,
 * big-endian).  Return: 0, or -1 if @d is not in [1, n - 1].
 */
static int p256_public_key(const u8 d_be[32], u8 pub[64])
{
	u64 d[4], x[4], y[4];

	p256_from_be(d, d_be);
	if (!p256_in_range(&p256_n, d))
		return -1;
	p256_base_mul(d, x, y);
	p256_to_be(pub, x);
	p256_to_be(pub + 32, y);
	memset(d, 0, sizeof(d));
	return 0;
}

/*
 * ECDSA over P-256: sign the 32-byte digest @hash with private key @d_be
 * and the per-signature secret @k_be (both big-endian, in [1, n - 1]; the
 * caller draws k afresh for every signature).  @sig gets r || s,
 * big-endian, as Intel's quote structures hold them.
 * Return: 0, or -1 for a k or d out of range or an r or s of zero (draw
 * another k).
 */
static int p256_ecdsa_sign(const u8 d_be[32], const u8 hash[32], const u8 k_be[32], u8 sig[64])
{
	const struct p256_mod *n = &p256_n;
	u64 d[4], k[4], z[4], r[4], s[4], y[4], t[4];
	int ret = -1;

	p256_from_be(d, d_be);
	p256_from_be(k, k_be);
	p256_from_be(z, hash);
	if (!p256_in_range(n, d) || !p256_in_range(n, k))
		goto out;
	p256_base_mul(k, r, y);
	/* r = x mod n, z = hash mod n: each below 2n, one masked subtraction. */
	p256_select(r, 0 - p256_sub_raw(t, r, n->m), r, t);
	p256_select(z, 0 - p256_sub_raw(t, z, n->m), z, t);
	if (!(r[0] | r[1] | r[2] | r[3]))
		goto out;
	/* s = k^-1 (z + r d) mod n, in Montgomery form throughout. */
	p256_to_mont(n, k, k);
	p256_inv(n, k, k);
	p256_to_mont(n, d, d);
	p256_to_mont(n, t, r);
	p256_mul(n, t, t, d);
	p256_to_mont(n, z, z);
	p256_add(n, t, t, z);
	p256_mul(n, s, k, t);
	p256_from_mont(n, s, s);
	if (!(s[0] | s[1] | s[2] | s[3]))
		goto out;
	p256_to_be(sig, r);
	p256_to_be(sig + 32, s);
	ret = 0;
out:
	memset(d, 0, sizeof(d));
	memset(k, 0, sizeof(k));
	memset(t, 0, sizeof(t));
	return ret;
}

#endif
