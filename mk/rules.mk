# SPDX-License-Identifier: MIT
# Pattern rules shared by every target.

$(O)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(Q_CC)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(O)/obj/%.o: %.S
	@mkdir -p $(@D)
	$(Q_CC)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(O)/lib/%.a:
	@mkdir -p $(@D)
	@rm -f $@
	$(Q_AR)$(AR) rcs $@ $^

# Every header must compile on its own (include what you use).
$(O)/hdr/%.h.ok: %.h
	@mkdir -p $(@D)
	$(Q_CC)$(CC) $(CPPFLAGS) $(CFLAGS) -fsyntax-only -x c $< && touch $@
