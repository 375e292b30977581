package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

// loginToReady measures figure 3: for each size, a first login of a fresh
// account (every contact is new to the bridge's database), a returning login
// of the same account once its session ended, and a bare MSN login of an
// account with the same contacts; each with the CPU time it cost.
func (b *bench) loginToReady(ctx context.Context, br bridgeProc) error {
	if b.o.External.enabled() {
		return errors.New("login to ready needs msntest (fresh accounts with known contact lists)")
	}
	_, sessErr := br.Sessions(ctx)
	returning := sessErr == nil
	res := &LoginResult{}
	for _, size := range b.o.LoginSizes {
		var firstMS, againMS, bareMS, firstCPU, againCPU, bareCPU []float64
		bridgeLogin := func(a account) (ms, cpu float64, err error) {
			c, err := dialIRC(ctx, br.IRCAddr())
			if err != nil {
				return 0, 0, err
			}
			cpu0, err := br.CPU(ctx)
			if err != nil {
				c.Close()
				return 0, 0, err
			}
			var d time.Duration
			err = withTimeout(ctx, 5*time.Minute, func(ctx context.Context) error {
				var err error
				d, _, err = c.register(ctx, a.Passport, a.Password, nickFor(a), size)
				return err
			})
			if err != nil {
				c.Close()
				return 0, 0, err
			}
			cpu1, err := br.CPU(ctx)
			c.Close()
			if err != nil {
				return 0, 0, err
			}
			if returning {
				// The next login must find no session to attach to.
				if err := b.waitNoSessions(ctx, br); err != nil {
					return 0, 0, err
				}
			}
			return float64(d) / float64(time.Millisecond), (cpu1 - cpu0) * 1000, nil
		}
		bridgeRun := func(rep int) error {
			a := b.lay.bridgeLogin(size, rep)
			ms, cpu, err := bridgeLogin(a)
			if err != nil {
				return err
			}
			firstMS, firstCPU = append(firstMS, ms), append(firstCPU, cpu)
			if !returning {
				return nil
			}
			if ms, cpu, err = bridgeLogin(a); err != nil {
				return fmt.Errorf("returning login: %w", err)
			}
			againMS, againCPU = append(againMS, ms), append(againCPU, cpu)
			return nil
		}
		bareRun := func(rep int) error {
			a := b.lay.bareLogin(size, rep)
			var d time.Duration
			var cpu float64
			err := withTimeout(ctx, 5*time.Minute, func(ctx context.Context) error {
				cpu0 := selfStats(false).CPUSeconds
				start := time.Now()
				c, err := msn.Login(ctx, b.mc.config(a), msn.StatusOnline)
				if err != nil {
					return fmt.Errorf("bare login %s: %w", a.Passport, err)
				}
				// Ready, like the bridge's &msn: the list and who is online.
				if err := waitPresenceSynced(ctx, c); err != nil {
					c.Close()
					return fmt.Errorf("bare login %s: %w", a.Passport, err)
				}
				d = time.Since(start)
				cpu = (selfStats(false).CPUSeconds - cpu0) * 1000
				return c.Close()
			})
			if err != nil {
				return err
			}
			bareMS, bareCPU = append(bareMS, float64(d)/float64(time.Millisecond)), append(bareCPU, cpu)
			return nil
		}
		for rep := 0; rep < b.o.LoginReps; rep++ {
			first, second := bridgeRun, bareRun
			if rep%2 == 1 {
				first, second = bareRun, bridgeRun
			}
			if err := first(rep); err != nil {
				return fmt.Errorf("%d contacts: %w", size, err)
			}
			if err := second(rep); err != nil {
				return fmt.Errorf("%d contacts: %w", size, err)
			}
		}
		ls := LoginSize{
			Contacts:       size,
			BridgeMS:       summarize(firstMS),
			ReturningMS:    summarize(againMS),
			BareMS:         summarize(bareMS),
			BridgeCPUMS:    summarize(firstCPU),
			ReturningCPUMS: summarize(againCPU),
			BareCPUMS:      summarize(bareCPU),
		}
		ls.Ratio = ratio(ls.BridgeMS.P50, ls.BareMS.P50)
		ls.ReturningRatio = ratio(ls.ReturningMS.P50, ls.BareMS.P50)
		res.Sizes = append(res.Sizes, ls)
	}
	b.res.Login = res
	return nil
}

// waitPresenceSynced reads c's events until the initial presence is known.
func waitPresenceSynced(ctx context.Context, c *msn.Client) error {
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				return errors.New("disconnected before the initial presence")
			}
			if _, ok := ev.(msn.PresenceSynced); ok {
				return nil
			}
		case <-ctx.Done():
			return fmt.Errorf("waiting for the initial presence: %w", ctx.Err())
		}
	}
}

// waitNoSessions waits until the bridge has ended every MSN session.
func (b *bench) waitNoSessions(ctx context.Context, br bridgeProc) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		n, err := br.Sessions(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return fmt.Errorf("bridge still has %d sessions: %w", n, ctx.Err())
		}
	}
}
