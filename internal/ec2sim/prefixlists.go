package ec2sim

// codePrefixListNotFound is EC2's answer to a security group rule naming a prefix list that
// does not exist, spelled as public reports of AuthorizeSecurityGroupIngress and
// CloudFormation quote it ("The prefix list ID 'pl-…' does not exist":
// aws-cloudformation/rain#308; floci-io/floci#2269, checked against AWS). AWS's errors
// overview does not say which spelling this action uses, and public code
// (terraform-provider-aws internal/service/ec2/errors.go) knows both
// InvalidPrefixListID.NotFound and InvalidPrefixListId.NotFound: a client should accept both.
const codePrefixListNotFound = "InvalidPrefixListID.NotFound"

// AddPrefixList creates a customer-managed prefix list with the given name and returns its
// ID, so that security group rules may reference it. The simulator has no prefix lists
// until one is added: AWS-managed lists differ by region and are not simulated. It
// bypasses throttling, faults and call counts: it sets the scene.
func (s *Simulator) AddPrefixList(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.newID("pl")
	s.prefixLists[id] = name
	return id
}

// checkPrefixList refuses a prefix list that does not exist. Callers hold s.mu.
func (s *Simulator) checkPrefixList(id string) *apiError {
	if _, ok := s.prefixLists[id]; ok {
		return nil
	}
	return clientError(codePrefixListNotFound, "The prefix list ID '%s' does not exist", id)
}
