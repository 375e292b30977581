package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/msn2irc/msn2irc/msn"
	"github.com/msn2irc/msn2irc/msn/msntest"
)

// startBots logs the scripted demo contacts in and runs them until ctx is done.
func startBots(ctx context.Context, wg *sync.WaitGroup, n *msntest.Server, log *slog.Logger) {
	run := func(name string, fn func(ctx context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(ctx); err != nil && ctx.Err() == nil {
				log.Warn("demo contact stopped", "contact", name, "err", err)
			}
		}()
	}
	run(demoBob, func(ctx context.Context) error { return runBob(ctx, n) })
	run(demoCarol, func(ctx context.Context) error { return runCarol(ctx, n) })
	run(demoDave, func(ctx context.Context) error { return runDave(ctx, n) })
	run(demoErin, func(ctx context.Context) error { return runErin(ctx, n) })
}

// wait waits d or until ctx is done, and reports whether d passed.
func wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// botLogin signs a demo contact in, retrying while the network starts.
func botLogin(ctx context.Context, n *msntest.Server, passport string) (*msn.Client, error) {
	lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return n.Login(lctx, passport, demoPassword)
}

// serveChats accepts every invitation and calls onMessage for each text,
// until ctx is done or the client disconnects.
func serveChats(ctx context.Context, c *msn.Client, onMessage func(ctx context.Context, ev msn.MessageReceived), onNudge func(ctx context.Context, sb *msn.Switchboard)) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-c.Events():
			if !ok {
				return
			}
			switch ev := ev.(type) {
			case msn.Invitation:
				wg.Add(1)
				go func() {
					defer wg.Done()
					actx, cancel := context.WithTimeout(ctx, 15*time.Second)
					defer cancel()
					c.Accept(actx, ev)
				}()
			case msn.MessageReceived:
				if onMessage != nil {
					wg.Add(1)
					go func() {
						defer wg.Done()
						onMessage(ctx, ev)
					}()
				}
			case msn.FileOffer:
				wg.Add(1)
				go func() {
					defer wg.Done()
					takeFile(ctx, c, ev)
				}()
			case msn.NudgeReceived:
				if onNudge != nil {
					wg.Add(1)
					go func() {
						defer wg.Done()
						onNudge(ctx, ev.Switchboard)
					}()
				}
			}
		}
	}
}

// runBob answers every message after "typing" for a moment; "group" makes
// him call Carol into the chat.
func runBob(ctx context.Context, n *msntest.Server) error {
	c, err := botLogin(ctx, n, demoBob)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetPersonalMessage(ctx, "I answer every message")
	c.SetDisplayPicture(ctx, demoPicture())
	serveChats(ctx, c, func(ctx context.Context, ev msn.MessageReceived) {
		sb := ev.Switchboard
		reply := keywordReply(ev.Text)
		if reply == "" {
			reply = elizaReply(ev.Text)
		}
		rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		sb.SendTyping(rctx)
		if !wait(ctx, 1500*time.Millisecond) {
			return
		}
		sb.SendText(rctx, reply, msn.Format{Bold: len(reply) < 20})
		if reply == keywordReply("group") {
			sb.Invite(rctx, demoCarol)
		}
		if reply == demoFileReply {
			sendDemoFile(ctx, c, ev.From)
		}
	}, func(ctx context.Context, sb *msn.Switchboard) {
		rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		sb.SendText(rctx, "Hey, no need to shake my window!", msn.Format{})
		sb.SendNudge(rctx)
	})
	return nil
}

// runCarol cycles through the MSN states and personal messages, and greets
// the group chats she is called into.
func runCarol(ctx context.Context, n *msntest.Server) error {
	c, err := botLogin(ctx, n, demoCarol)
	if err != nil {
		return err
	}
	defer c.Close()
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Add(1)
	go func() {
		defer wg.Done()
		serveChats(ctx, c, func(ctx context.Context, ev msn.MessageReceived) {
			if len(ev.Switchboard.Participants()) > 1 {
				return // Bob does the talking in group chats
			}
			rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			defer cancel()
			ev.Switchboard.SendText(rctx, "Carol here. I'm a bit busy; Bob is the chatty one.", msn.Format{Italic: true})
		}, nil)
	}()
	states := []struct {
		status msn.Status
		psm    string
	}{
		{msn.StatusOnline, "Back at my desk"},
		{msn.StatusBusy, "In a meeting"},
		{msn.StatusAway, "Gone for a walk"},
		{msn.StatusBRB, ""},
		{msn.StatusLunch, "Pizza!"},
		{msn.StatusPhone, "On a call"},
	}
	for i := 0; ; i++ {
		s := states[i%len(states)]
		rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		c.SetPersonalMessage(rctx, s.psm)
		c.SetStatus(rctx, s.status)
		cancel()
		if !wait(ctx, 20*time.Second) {
			return nil
		}
	}
}

// runDave comes online for a minute, then signs out for half a minute.
func runDave(ctx context.Context, n *msntest.Server) error {
	for {
		if !wait(ctx, 30*time.Second) {
			return nil
		}
		c, err := botLogin(ctx, n, demoDave)
		if err != nil {
			return err
		}
		sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		serveChats(sctx, c, func(ctx context.Context, ev msn.MessageReceived) {
			rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			defer cancel()
			ev.Switchboard.SendText(rctx, "Dave here, got your message: "+ev.Text, msn.Format{})
		}, nil)
		cancel()
		c.Close()
		if ctx.Err() != nil {
			return nil
		}
	}
}

// runErin changes her friendly name every 25 seconds.
func runErin(ctx context.Context, n *msntest.Server) error {
	c, err := botLogin(ctx, n, demoErin)
	if err != nil {
		return err
	}
	defer c.Close()
	names := []string{"Erin", "Erin (coffee time)", "Erin ~ on holiday soon", "Erin the Great"}
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Add(1)
	go func() {
		defer wg.Done()
		serveChats(ctx, c, nil, nil)
	}()
	for i := 1; ; i++ {
		if !wait(ctx, 25*time.Second) {
			return nil
		}
		rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		c.SetFriendlyName(rctx, names[i%len(names)])
		cancel()
	}
}
