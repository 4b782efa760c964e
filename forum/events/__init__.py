"""Events: meetups, innovation marathons and webinars, organised in communities.

organise (create, edit, cancel, who may organise), reads (what a reader may see of events),
rsvp (places and the waitlist), calendar (iCalendar files and secret feed links), reminders
(the scheduler), marathons (challenges, teams, results), attendance (lists, CSV, attended).
HTTP-free: routes live in the web layer."""
