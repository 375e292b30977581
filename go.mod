module github.com/msn2irc/msn2irc

go 1.26.0

require (
	github.com/kelseyhightower/envconfig v1.4.0
	github.com/mattn/go-sqlite3 v1.14.53
	golang.org/x/text v0.43.0
	golang.org/x/time v0.0.0-20220722155302-e5dcc9cfc0b9
	gopkg.in/irc.v4 v4.0.0
)
