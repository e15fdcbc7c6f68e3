package ec2sim

import (
	"time"
)

type deleteVpcEndpointsResponse struct {
	responseHeader
	Unsuccessful []unsuccessfulItemXML `xml:"unsuccessful>item"`
}

type unsuccessfulItemXML struct {
	Error      errorXMLLower `xml:"error"`
	ResourceID string        `xml:"resourceId"`
}

type errorXMLLower struct {
	Code    string `xml:"code"`
	Message string `xml:"message"`
}

// codeVpcEndpointNotFound is the code of the Unsuccessful item DeleteVpcEndpoints reports
// for an endpoint that is not there. The action's page documents Unsuccessful items, not
// their codes
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteVpcEndpoints.html);
// this is the code clients of AWS treat as "already gone" there (terraform-provider-aws,
// resourceVPCEndpointDelete), unlike the InvalidVpcEndpointId.NotFound of describe calls.
const codeVpcEndpointNotFound = "InvalidVpcEndpoint.NotFound"

// deleteVpcEndpoints starts deleting each endpoint. IDs that name no endpoint are reported as
// unsuccessful items, as EC2 does, rather than failing the request. An endpoint already
// deleting, or deleted and still listed, is not an error: a retried delete whose first
// attempt took effect succeeds until the endpoint is gone, then reports it not found. (AWS
// does not document a retried delete; this is the simulator's reading of the states.)
func (s *Simulator) deleteVpcEndpoints(q query, now time.Time) (response, *apiError) {
	ids := q.strings("VpcEndpointId")
	if len(ids) == 0 {
		return nil, missingParameter("VpcEndpointId")
	}
	resp := &deleteVpcEndpointsResponse{}
	for _, id := range ids {
		e, ok := s.knownEndpoint(id, now)
		if err := kindEndpoint.check(id, ok); err != nil {
			code := err.code
			if code == kindEndpoint.notFound {
				code = codeVpcEndpointNotFound
			}
			resp.Unsuccessful = append(resp.Unsuccessful, unsuccessfulItemXML{
				Error:      errorXMLLower{Code: code, Message: err.message},
				ResourceID: id,
			})
			continue
		}
		if e.state == statePending || e.state == stateAvailable {
			e.state, e.deletingSince = stateDeleting, now
		}
	}
	// With no deleting delay the endpoints are gone before the response.
	s.settle(now)
	return resp, nil
}
