package ec2sim

import (
	"encoding/xml"
	"net/http"
)

// stsNamespace is the XML namespace of STS Query responses.
const stsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"

// The simulator answers STS's GetCallerIdentity beside EC2, so that a client
// pointed at it (AWS_ENDPOINT_URL_STS) learns the simulated account. AWS: "No
// permissions are required to perform this operation"
// (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html);
// it answers in the Query protocol with the result wrapped in
// GetCallerIdentityResult and the request ID in ResponseMetadata.
type getCallerIdentityResponse struct {
	XMLName   xml.Name `xml:"GetCallerIdentityResponse"`
	Namespace string   `xml:"xmlns,attr"`
	Result    struct {
		Arn     string `xml:"Arn"`
		UserID  string `xml:"UserId"`
		Account string `xml:"Account"`
	} `xml:"GetCallerIdentityResult"`
	RequestID string `xml:"ResponseMetadata>RequestId"`
}

// serveSTS answers the STS actions the simulator knows; it reports whether
// the request was one.
func (s *Simulator) serveSTS(w http.ResponseWriter, action, requestID string) bool {
	if action != "GetCallerIdentity" {
		return false
	}
	s.calls.record(action, codeOK)
	resp := getCallerIdentityResponse{Namespace: stsNamespace, RequestID: requestID}
	resp.Result.Account = s.accountID
	resp.Result.Arn = s.principalARN()
	resp.Result.UserID = "AROASIMULATEDOPERATOR:simulated"
	body, err := xml.Marshal(resp)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return true
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append([]byte(xml.Header), body...))
	return true
}
