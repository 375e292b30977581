package msn

import (
	"context"
	"errors"
	"fmt"
)

// listsOf returns the lists passport is on, as the client knows them.
func (c *Client) listsOf(passport string) (Lists, string, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ct := c.contactLocked(passport, false)
	if ct == nil {
		return 0, "", ""
	}
	return ct.Lists, ct.GUID.String(), ct.FriendlyName
}

// addTo puts passport on one list (ADD before MSNP10, ADC from MSNP10).
// Being already there (215) is not an error.
func (c *Client) addTo(ctx context.Context, list Lists, passport string) error {
	v := c.Version()
	name := listName(list)
	var err error
	// The name sent along is the contact's friendly name when known: the
	// server echoes it back as the contact's name.
	nick := passport
	if _, _, fn := c.listsOf(passport); fn != "" {
		if enc, e := encodeName(fn); e == nil {
			nick = enc
		}
	}
	if v < 10 {
		params := []string{name, passport, nick}
		if list == ForwardList && v >= 7 {
			params = append(params, "0")
		}
		_, err = c.request(ctx, "ADD", params, nil)
	} else {
		params := []string{name, "N=" + passport}
		if list == ForwardList {
			params = append(params, "F="+nick)
		}
		_, err = c.request(ctx, "ADC", params, nil)
	}
	var se *ServerError
	if errors.As(err, &se) && se.Code == 215 {
		return nil
	}
	return err
}

// removeFrom takes passport off one list (REM; by contact GUID for the
// forward list from MSNP10). Not being there (216) is not an error.
func (c *Client) removeFrom(ctx context.Context, list Lists, passport string) error {
	v := c.Version()
	id := passport
	if v >= 10 && list == ForwardList {
		_, guid, _ := c.listsOf(passport)
		if guid == "" {
			return fmt.Errorf("msn: REM: no contact id known for %s", passport)
		}
		id = guid
	}
	_, err := c.request(ctx, "REM", []string{listName(list), id}, nil)
	var se *ServerError
	if errors.As(err, &se) {
		switch {
		case se.Code == 216:
			return nil
		case se.Code == 205 && v < 10 && list == ForwardList:
			// Escargot answers REM FL with 205 although the removal
			// took effect; the contact exists, so trust the removal.
			if lists, _, _ := c.listsOf(passport); lists&ForwardList != 0 {
				c.mu.Lock()
				c.changeListsLocked(passport, "", 0, ForwardList, false)
				c.mu.Unlock()
				return nil
			}
		}
	}
	return err
}

// AddContact puts passport on the forward list (and the allow list, unless
// it is blocked).
func (c *Client) AddContact(ctx context.Context, passport string) error {
	if err := checkPassport(passport); err != nil {
		return fmt.Errorf("msn: add contact: %w", err)
	}
	if c.Version() >= 13 {
		if err := c.abAddContact(ctx, passport); err != nil {
			return fmt.Errorf("msn: add contact: %w", err)
		}
		return nil
	}
	lists, _, _ := c.listsOf(passport)
	if lists&ForwardList == 0 {
		if err := c.addTo(ctx, ForwardList, passport); err != nil {
			return fmt.Errorf("msn: add contact: %w", err)
		}
	}
	if lists&(AllowList|BlockList) == 0 {
		if err := c.addTo(ctx, AllowList, passport); err != nil {
			return fmt.Errorf("msn: add contact: %w", err)
		}
	}
	return nil
}

// RemoveContact takes passport off the forward list.
func (c *Client) RemoveContact(ctx context.Context, passport string) error {
	if err := checkPassport(passport); err != nil {
		return fmt.Errorf("msn: remove contact: %w", err)
	}
	if c.Version() >= 13 {
		if err := c.abRemoveContact(ctx, passport); err != nil {
			return fmt.Errorf("msn: remove contact: %w", err)
		}
		return nil
	}
	if err := c.removeFrom(ctx, ForwardList, passport); err != nil {
		return fmt.Errorf("msn: remove contact: %w", err)
	}
	return nil
}

// Block moves passport from the allow list to the block list.
func (c *Client) Block(ctx context.Context, passport string) error {
	return c.move(ctx, "block", passport, AllowList, BlockList)
}

// Allow moves passport from the block list to the allow list.
func (c *Client) Allow(ctx context.Context, passport string) error {
	return c.move(ctx, "allow", passport, BlockList, AllowList)
}

// move takes passport off list from (when on it) and puts it on list to
// (when not on it yet); errors name the operation op.
func (c *Client) move(ctx context.Context, op, passport string, from, to Lists) error {
	if err := checkPassport(passport); err != nil {
		return fmt.Errorf("msn: %s: %w", op, err)
	}
	if c.Version() >= 13 {
		if err := c.abMove(ctx, passport, from, to); err != nil {
			return fmt.Errorf("msn: %s: %w", op, err)
		}
		return nil
	}
	lists, _, _ := c.listsOf(passport)
	if lists&from != 0 {
		if err := c.removeFrom(ctx, from, passport); err != nil {
			return fmt.Errorf("msn: %s: %w", op, err)
		}
	}
	if lists&to == 0 {
		if err := c.addTo(ctx, to, passport); err != nil {
			return fmt.Errorf("msn: %s: %w", op, err)
		}
	}
	return nil
}

// AcceptAuthorization answers someone who added the user: allow list and forward list.
func (c *Client) AcceptAuthorization(ctx context.Context, passport string) error {
	if c.Version() >= 13 {
		if err := checkPassport(passport); err != nil {
			return fmt.Errorf("msn: accept: %w", err)
		}
		if err := c.abAccept(ctx, passport); err != nil {
			return fmt.Errorf("msn: accept: %w", err)
		}
		return nil
	}
	if err := c.Allow(ctx, passport); err != nil {
		return fmt.Errorf("msn: accept: %w", err)
	}
	if lists, _, _ := c.listsOf(passport); lists&ForwardList == 0 {
		if err := c.addTo(ctx, ForwardList, passport); err != nil {
			return fmt.Errorf("msn: accept: %w", err)
		}
	}
	return nil
}

// DenyAuthorization answers someone who added the user: block list.
func (c *Client) DenyAuthorization(ctx context.Context, passport string) error {
	if c.Version() >= 13 {
		if err := checkPassport(passport); err != nil {
			return fmt.Errorf("msn: deny: %w", err)
		}
		if err := c.abDeny(ctx, passport); err != nil {
			return fmt.Errorf("msn: deny: %w", err)
		}
		return nil
	}
	if err := c.Block(ctx, passport); err != nil {
		return fmt.Errorf("msn: deny: %w", err)
	}
	return nil
}
