package sbom

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"unicode"

	cdx "github.com/CycloneDX/cyclonedx-go"
	spdxcommon "github.com/spdx/tools-golang/spdx/v2/common"
)

// digest is one checksum of a package, its value in lower-case hex.
type digest struct {
	alg algorithm
	hex string
}

// algorithm is a hash algorithm both SBOM formats may name.
type algorithm struct {
	size int // digest size in bytes
	cdx  cdx.HashAlgorithm
	spdx spdxcommon.ChecksumAlgorithm
}

// algorithmOf returns the algorithm that name spells, written in any
// case, with or without '-' and '_' ("sha512", "SHA-512", "sha3_256").
// CycloneDX has no SHA-224: its cdx field is empty.
func algorithmOf(name string) (algorithm, bool) {
	n := strings.Map(func(r rune) rune {
		if r == '-' || r == '_' {
			return -1
		}
		return unicode.ToLower(r)
	}, name)
	switch n {
	case "md5":
		return algorithm{16, cdx.HashAlgoMD5, spdxcommon.MD5}, true
	case "sha1":
		return algorithm{20, cdx.HashAlgoSHA1, spdxcommon.SHA1}, true
	case "sha224":
		return algorithm{28, "", spdxcommon.SHA224}, true
	case "sha256":
		return algorithm{32, cdx.HashAlgoSHA256, spdxcommon.SHA256}, true
	case "sha384":
		return algorithm{48, cdx.HashAlgoSHA384, spdxcommon.SHA384}, true
	case "sha512":
		return algorithm{64, cdx.HashAlgoSHA512, spdxcommon.SHA512}, true
	case "sha3256":
		return algorithm{32, cdx.HashAlgoSHA3_256, spdxcommon.SHA3_256}, true
	case "sha3384":
		return algorithm{48, cdx.HashAlgoSHA3_384, spdxcommon.SHA3_384}, true
	case "sha3512":
		return algorithm{64, cdx.HashAlgoSHA3_512, spdxcommon.SHA3_512}, true
	case "blake2b256":
		return algorithm{32, cdx.HashAlgoBlake2b_256, spdxcommon.BLAKE2b_256}, true
	case "blake2b384":
		return algorithm{48, cdx.HashAlgoBlake2b_384, spdxcommon.BLAKE2b_384}, true
	case "blake2b512":
		return algorithm{64, cdx.HashAlgoBlake2b_512, spdxcommon.BLAKE2b_512}, true
	case "blake3":
		return algorithm{32, cdx.HashAlgoBlake3, spdxcommon.BLAKE3}, true
	}
	return algorithm{}, false
}

// digestsOf converts the checksums a lockfile records ([inventory.Package]
// Hashes) to digests, in order and without repeats. Two spellings are read:
//
//   - "algorithm:value", the value in hex or base64 (pip, Poetry, uv,
//     Cargo, Composer...);
//   - Subresource Integrity, "sha512-<base64>", several separated by
//     spaces (npm, yarn, pnpm, bun).
//
// A checksum is kept only when its algorithm is known and its value decodes
// to exactly that algorithm's digest size. Anything else is left out: Go's
// "h1:" (a hash of a file list, not of an artifact), truncated or
// hand-edited values. [github.com/patchline/patchline/internal/inventory]
// keeps them as written for whoever needs them.
func digestsOf(hashes []string) []digest {
	var out []digest
	seen := map[digest]bool{}
	add := func(d digest, ok bool) {
		if ok && !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	for _, h := range hashes {
		h = strings.TrimSpace(h)
		if name, value, ok := strings.Cut(h, ":"); ok {
			add(parseDigest(name, value))
			continue
		}
		for _, tok := range strings.Fields(h) {
			tok, _, _ = strings.Cut(tok, "?") // SRI options
			if name, value, ok := strings.Cut(tok, "-"); ok {
				add(parseDigest(name, value))
			}
		}
	}
	return out
}

// parseDigest decodes value, in hex or base64, as a digest of the named
// algorithm.
func parseDigest(name, value string) (digest, bool) {
	alg, ok := algorithmOf(name)
	if !ok || value == "" {
		return digest{}, false
	}
	if len(value) == 2*alg.size {
		if b, err := hex.DecodeString(value); err == nil {
			return digest{alg, hex.EncodeToString(b)}, true
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.Strict().DecodeString(value); err == nil && len(b) == alg.size {
			return digest{alg, hex.EncodeToString(b)}, true
		}
	}
	return digest{}, false
}
