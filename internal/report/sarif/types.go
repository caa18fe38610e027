package sarif

// The subset of the SARIF 2.1.0 object model that patchline writes. Field
// names and nesting follow the specification
// (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html).

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        tool          `json:"tool"`
	Invocations []invocation  `json:"invocations"`
	Results     []sarifResult `json:"results"`
}

type tool struct {
	Driver driver `json:"driver"`
}

type driver struct {
	Name           string `json:"name"`
	Version        string `json:"version,omitempty"`
	InformationURI string `json:"informationUri"`
	Rules          []rule `json:"rules"`
}

// rule is a reportingDescriptor.
type rule struct {
	ID                   string          `json:"id"`
	ShortDescription     *message        `json:"shortDescription,omitempty"`
	Help                 *message        `json:"help,omitempty"`
	HelpURI              string          `json:"helpUri,omitempty"`
	DefaultConfiguration *configuration  `json:"defaultConfiguration,omitempty"`
	Properties           *ruleProperties `json:"properties,omitempty"`
}

type configuration struct {
	Level string `json:"level"`
}

type ruleProperties struct {
	// SecuritySeverity is the CVSS score as a string, which GitHub code
	// scanning reads to rank security alerts.
	SecuritySeverity string   `json:"security-severity,omitempty"`
	Tags             []string `json:"tags,omitempty"`
	Aliases          []string `json:"aliases,omitempty"`
}

// message is a message or a multiformatMessageString: both have text and
// may have markdown.
type message struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type invocation struct {
	ExecutionSuccessful        bool           `json:"executionSuccessful"`
	ToolExecutionNotifications []notification `json:"toolExecutionNotifications,omitempty"`
}

type notification struct {
	Level      string                  `json:"level"`
	Message    message                 `json:"message"`
	Locations  []location              `json:"locations,omitempty"`
	Properties *notificationProperties `json:"properties,omitempty"`
}

type notificationProperties struct {
	Extractor string `json:"extractor,omitempty"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             message           `json:"message"`
	Locations           []location        `json:"locations,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Suppressions        []suppression     `json:"suppressions,omitempty"`
	Properties          *resultProperties `json:"properties,omitempty"`
}

// resultProperties carries the finding's package, for tools that read
// more than the message.
type resultProperties struct {
	Ecosystem string   `json:"ecosystem"`
	Package   string   `json:"package"`
	Version   string   `json:"version"`
	PURL      string   `json:"purl,omitempty"`
	Relation  string   `json:"relation,omitempty"`
	Scope     string   `json:"scope,omitempty"`
	Fixed     []string `json:"fixed"`
	Severity  string   `json:"severity"`
	Note      string   `json:"note,omitempty"`
}

type location struct {
	PhysicalLocation *physicalLocation `json:"physicalLocation,omitempty"`
}

type physicalLocation struct {
	ArtifactLocation artifactLocation `json:"artifactLocation"`
	Region           *region          `json:"region,omitempty"`
}

type artifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type region struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

type suppression struct {
	Kind          string                 `json:"kind"`
	Status        string                 `json:"status,omitempty"`
	Justification string                 `json:"justification,omitempty"`
	Location      *location              `json:"location,omitempty"`
	Properties    *suppressionProperties `json:"properties,omitempty"`
}

// suppressionProperties names the id the suppression matched and when it
// expires.
type suppressionProperties struct {
	ID      string `json:"id,omitempty"`
	Expires string `json:"expires,omitempty"`
}
