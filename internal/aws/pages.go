package aws

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// pager is one of the SDK's Describe paginators, whose pages are O.
type pager[O any] interface {
	HasMorePages() bool
	NextPage(context.Context, ...func(*ec2.Options)) (O, error)
}

// eachPage hands every page p yields to each, and says how many pages it
// asked for; what names the read in the error.
func eachPage[O any](ctx context.Context, p pager[O], what string, each func(O)) (int, error) {
	n := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		n++
		if err != nil {
			return n, fmt.Errorf("describing %s: %w", what, err)
		}
		each(page)
	}
	return n, nil
}
