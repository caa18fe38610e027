module cmd

go 1.25

require (
	github.com/google/pprof v0.0.0-20250208200701-d0013a598941
	golang.org/x/arch v0.18.1-0.20250605182141-b2f4e2807dec
	golang.org/x/build v0.0.0-20250606033421-8c8ff6f34a83
	golang.org/x/mod v0.25.1-0.20260813213422-9be67dd65223
	golang.org/x/sync v0.15.0
	golang.org/x/sys v0.33.1-0.20260225210015-e0c9f78de999
	golang.org/x/telemetry v0.0.0-20250606142133-60998feb31a8
	golang.org/x/term v0.32.0
	golang.org/x/tools v0.34.0
)

require (
	github.com/ianlancetaylor/demangle v0.0.0-20240912202439-0a2b6291aafd // indirect
	golang.org/x/text v0.26.0 // indirect
	rsc.io/markdown v0.0.0-20240306144322-0bf8f97ee8ef // indirect
)
