package main

// Word lists and templates, all written for this generator. Templates use
// {slot} placeholders expanded by gen.fill.

var (
	names = []string{"sam", "jo", "alex", "chris", "priya", "tom", "kate", "ben", "lucy", "dan",
		"mo", "ella", "jess", "raj", "amy", "matt", "zoe", "liam", "nina", "olly", "hannah",
		"jack", "sophie", "kev", "abi", "fatima", "george", "mel", "rob", "tash"}
	girls = []string{"kelly", "stacy", "jenny", "amber", "candy", "lara", "tina", "roxy",
		"becky", "chloe", "dee", "sasha"}
	relatives = []string{"mum", "dad", "nan", "grandad", "your sister", "my brother", "auntie sue",
		"uncle pete", "the kids", "your cousin", "gran", "my mum"}
	days = []string{"today", "tonight", "tomorrow", "monday", "tuesday", "wednesday", "thursday",
		"friday", "saturday", "sunday", "this weekend", "next week", "later", "tmrw night"}
	places = []string{"the pub", "the station", "town", "the library", "the gym", "tesco", "the cinema",
		"the park", "work", "uni", "the usual place", "starbucks", "nandos", "the shop", "the bus stop",
		"yours", "mine", "the office", "the hospital", "the car park", "the canteen", "the lecture"}
	foods = []string{"pizza", "curry", "chips", "a takeaway", "noodles", "burgers", "sushi",
		"lunch", "dinner", "breakfast", "cake", "a kebab", "fish and chips", "pasta", "a coffee"}
	activities = []string{"football", "the gym", "a film", "bowling", "shopping", "a walk", "revision",
		"drinks", "swimming", "the match", "a run", "karaoke", "the quiz", "tennis", "cards"}
	doings = []string{"watching tv", "cooking", "in the bath", "at work", "driving", "revising",
		"on the bus", "doing washing", "in a meeting", "walking the dog", "sorting the garden",
		"at my mums", "lying in bed", "queueing", "tidying up"}
	items = []string{"milk", "bread", "my charger", "the keys", "eggs", "nappies", "a birthday card",
		"my jacket", "the tickets", "batteries", "some wine", "teabags", "my glasses", "the dvd"}
	docs = []string{"report", "slides", "spreadsheet", "essay", "invoice", "timesheet", "draft",
		"minutes", "contract", "rota", "lab notes", "budget", "cv", "presentation"}
	excuses = []string{"got loads of work", "feeling rough", "car's broken", "got the kids", "mums visiting",
		"skint till payday", "working late", "train's cancelled", "got a cold", "revision"}
	shows = []string{"the match", "the bake off", "eastenders", "that quiz show", "the news",
		"the new series", "the final", "that documentary", "strictly", "the film on 4"}
	adjectives = []string{"amazing", "rubbish", "so good", "weird", "hilarious", "boring", "brilliant",
		"alright", "too long", "well sad", "mental", "lush"}
	prizeItems = []string{"mobile phone", "holiday", "£500 voucher", "camera", "laptop", "cash prize",
		"shopping spree", "ipod", "dvd player", "weekend break", "mp3 player", "TV", "games console",
		"cinema pass", "bonus"}
	holidays = []string{"trip to spain", "cruise", "week in tenerife", "weekend in paris",
		"family holiday", "flight to new york", "villa break"}
	rates = []string{"150p/msg", "150ppm", "£1.50/wk", "£3/min", "10p/min", "25p", "£2.50/msg",
		"std rate", "60p/min", "1.50 per msg", "£4.50 per week"}
	stops = []string{"txt STOP to end", "to opt out reply STOP", "send STOP to unsubscribe",
		"reply NO to cancel", "stop? txt stop", "unsub: send END"}
	urlWords = []string{"prize", "tones", "win", "claim", "dates", "luck", "cash", "mobile",
		"reward", "bonus"}
	services = []string{"ringtone club", "chat service", "weekly quiz", "dating line", "horoscope alerts",
		"wallpaper club", "football alerts", "jokes service"}
	emoticons = []string{":)", ":-)", ";)", ":(", "xx", "x", ":D", "lol", "haha", ":P", "<3"}
)

// textSpeak is how people (and spammers, more so) shorten words.
var textSpeak = map[string]string{
	"you": "u", "your": "ur", "you're": "ur", "to": "2", "for": "4", "are": "r", "tonight": "2nite",
	"tomorrow": "tmrw", "great": "gr8", "please": "pls", "later": "l8r", "before": "b4",
	"text": "txt", "see": "c", "because": "coz", "love": "luv", "thanks": "thx", "message": "msg",
	"what": "wat", "okay": "ok", "tonite": "2nite", "mobile": "mob", "week": "wk", "people": "ppl",
	"going": "goin", "nothing": "nothin", "something": "sumthin", "really": "rly",
	"and": "&", "with": "wiv", "the": "da", "be": "b", "at": "@",
}

// hamTemplates are everyday messages between people.
var hamTemplates = []string{
	"are you coming to {place} {day}?",
	"what time do you finish? meet at {place} at {time}",
	"running {late} sorry, be there in {mins} mins",
	"{greet} {name}, still on for {activity} {day}?",
	"cant make it {day}, {excuse}. another time?",
	"ok see you at {time} then",
	"shall we get {food} after {activity}?",
	"where are you? we're at {place}",
	"home now. that was {adj}, thanks for {day}",
	"{relative} says dinner is at {time}, dont be late",
	"can you pick up {item} on your way home",
	"{relative} is coming over {day} so tidy your room",
	"happy birthday {name}! hope you have a lovely day",
	"how is {relative} feeling today?",
	"{relative}'s {familyevt} is {day}, have you got a card?",
	"can you get {kid} from school {day}? im stuck at {place}",
	"dont forget {relative}'s {familyevt} {day}",
	"meeting moved to {time} {day}, same room",
	"can you send me the {doc} before {day}",
	"boss wants the {doc} by {time}, any chance?",
	"did you finish the {doc}? i'm still on page two",
	"exam on {day}, been revising all night",
	"lecture cancelled {day}, going to {place} instead",
	"i'll be in the office late {day}, save me some {food}",
	"got the job!! start {day}",
	"interview went ok i think, they said they'd ring {day}",
	"sorry i missed your call, was {doing}",
	"did you watch {show} last night? it was {adj}",
	"nothing much, just {doing}. you?",
	"what are you up to {day}?",
	"text me when you get home",
	"thanks for {food} {day}, was {adj}",
	"it's {weather} here, bring a coat",
	"i'm at {place}, want anything?",
	"we need {item} and {item}, can you grab them?",
	"have you seen {item}? cant find it anywhere",
	"{name} says hi, we're at {place}",
	"fancy {activity} {day}? {name} might come too",
	"just got to {place}, where shall i wait?",
	"my train is delayed, be there about {time}",
	"sorry about earlier, i was tired. love you",
	"good luck {day}! you'll be {adj}",
	"i left {item} at {place}, can you check?",
	"pay you back {day} for the {food}, promise",
	"how did {activity} go?",
	"{name} and i are doing {food} at {time} if you want to join",
	"are you still {doing}?",
	"wake up sleepy head, it's {time} already",
	"did {name} ever ring you back?",
	"the {doc} is on the shared drive now",
	"can we move our call to {time}?",
	"lets do {activity} {day}, i need to get out of the house",
	"i'll ring you {day}, busy with {doc} now",
	"{relative} wants to know if you're coming for {food} {day}",
	"is {place} open {day}?",
	"just finished {activity}, knackered now",
	"thinking of you, hope {relative} is ok",
	"we're outside {place}, hurry up!",
	"how much was the {food}? i'll transfer you",
	"got your message, will sort the {doc} {day}",
}

// hamShort are the brief replies that make up much of real SMS traffic.
var hamShort = []string{
	"ok", "ok thanks", "k", "sure", "yeah", "yep sounds good", "on my way", "im outside",
	"where are you", "call me", "call me when you can", "ring me later", "love you", "miss you",
	"goodnight", "good morning", "night x", "see you soon", "nearly there", "lol", "haha no way",
	"thanks", "no worries", "text me later", "what time?", "be there in {mins}", "at {place}",
	"cool", "fine", "sorry!", "ok {time} then", "yes please", "no ta", "omg", "home now",
	"just woke up", "sounds good", "will do", "{greet}", "{greet} {name}", "how are you?",
	"busy, talk {day}", "in a meeting", "can't talk now", "alright", "see you {day}",
}

// hamOverlap are genuine messages that use words spam leans on ("free",
// "win", "prize", "call", "claim", "urgent", "offer", phone numbers), so
// those words alone do not decide the label.
var hamOverlap = []string{
	"are you free {day}?",
	"are you free for a call at {time}?",
	"we won the {sport} {score}!! celebrating at {place}",
	"got a free {food} at {place} with my loyalty card",
	"{relative} won £{small} on the lottery, dinner is on her",
	"they're giving away free {food} at {place}, come quick",
	"i'll call you back in {mins} mins",
	"the prize for the quiz was a {prizeitem} lol, we came last",
	"dont forget to claim your expenses before {day}",
	"urgent: can you get {kid} at {time}? car won't start",
	"call {name} on {mobile}, she has the keys",
	"my new number is {mobile}, save it",
	"there's an offer on {food} at tesco, want some?",
	"text me the address, I'll call when i'm outside",
	"did you win anything at the {sport} raffle?",
	"congratulations on the new job!! so proud of you",
	"congrats on passing your test!",
	"well done {name}, you really deserve the award",
	"reply when you can, need numbers for {day}",
	"I've got a free ticket for {show} {day}, want it?",
	"the phone shop had a deal, 2 for 1 on cases",
	"can you claim the parcel from the post office? i'm at work",
	"cash only at {place} so bring some",
	"i owe you £{small}, will send it {day}",
	"the landlord says call him on {mobile} about the boiler",
	"my mobile is dying, call the landline",
	"guaranteed to rain on {day} if we plan a bbq lol",
	"we've been selected for the {sport} final!!",
	"your parcel is at the depot, they said collect it by {day}",
	"mum's new phone number is {mobile}",
	"how much for the ringtone thing? mine keeps saying no credit",
	"entered us into the pub quiz {day}, winner gets £{small}",
	"free tonight? {activity}?",
	"urgent!! can you ring me back, its about {relative}",
	"did you get my text? call me",
	"your reward for finishing the {doc}: {food} on me",
}

// forwardIntros lead a spam that a person forwards to a friend; the row is
// ham, because the sender is a friend, although most of its words are spam.
var forwardIntros = []string{
	"lol look what i got:", "is this real?", "got this again, who gives out my number??",
	"{name} look at this rubbish:", "haha another one:", "should i reply to this?",
}

// spamTemplates are unsolicited promotions and scams.
var spamTemplates = []string{
	"{congrats} You have been selected to receive a £{prize} {prizeitem}. To claim call {premium} now!",
	"WINNER!! As a valued {network} customer you have won a {prizeitem}. Call {premium} to claim. Claim code {code}. Valid {hours} hrs only",
	"You have won a guaranteed £{prize} cash or a {holiday}! Txt {keyword} to {short} {rate}",
	"{free} {phone}! Get the latest {phone} with {n}00 free mins. Call {freephone} or reply {keyword}",
	"Ringtone club: get {n} top ringtones free this week. Text {keyword} to {short}. {rate}",
	"Update your {phone} for FREE! Call {freephone} now, offer ends {day}",
	"{girl} has sent you a private message! To read it call {premium} {rate}",
	"Hot singles in your area want to chat tonight. Reply {keyword} to {short} {rate}",
	"URGENT! Your mobile number has been awarded a £{prize} prize. Call {premium} from a landline. Code {code}. Expires {date}",
	"Your account {account} will be suspended. Call {premium} immediately to confirm your details",
	"FINAL NOTICE: you have an unclaimed {prizeitem}. Reply YES to {short} to collect",
	"Important information for {network} users. Today is your lucky day! Find out why at {url}",
	"Loans for any purpose £{loan},000 - £{loan}0,000. No credit checks. Call {freephone}",
	"You are entitled to £{prize} compensation for your accident. Reply CLAIM to {short}",
	"Txt {keyword} to {short} to receive your {prizeitem}. {rate}",
	"This is the 2nd attempt to contact you! You have won £{prize}. Call {premium} NOW. Only {rate}",
	"Congratulations! You are a winner in our {day} prize draw. Call {national} to claim your {prizeitem}",
	"Want a new {phone}? {network} are giving them away FREE. Call {freephone} to order, delivery {day}",
	"Get {n} FREE polyphonic tones! Just text {keyword} to {short}. {rate}",
	"Win a {holiday} for 2! Answer this week's question: txt your answer to {short}. {rate}",
	"Someone has a crush on you! To find out who, call {premium}. {rate}",
	"Claim your FREE {prizeitem} now! Limited offer, call {premium} within {hours} hours",
	"Dear {network} customer, you have {n} new bonus points worth £{prize}. Redeem at {url}",
	"Your {service} subscription is active. {rate}. Reply STOP to cancel, HELP for help",
	"As a loyal customer you can now claim a FREE {phone} upgrade. Call {freephone}. T&Cs apply",
	"Cash in hand! Earn £{prize} a week from home. Text {keyword} to {short} for info",
	"You've been chosen for a £{prize} shopping voucher. Visit {url} or call {national}",
	"Congrats! A {prizeitem} is waiting for you. Call {premium} to arrange delivery",
	"Fancy a chat? {girl} is waiting for your call on {premium}. 18+ {rate}",
	"Last chance! Your £{prize} award expires {day}. Call {premium} now",
	"PRIVATE! Your {day} account statement shows {n} unredeemed points. Call {premium} ID {code}",
	"We tried to reach you about your {prizeitem} delivery. Call {national} to reschedule",
	"Double your minutes and texts for FREE! Reply {keyword} now. {rate}",
	"Guaranteed £{prize} reward! To claim, text {keyword} to {short}. Offer valid {hours}hrs",
}

// spamCasual are spam written to look like a friend's message.
var spamCasual = []string{
	"hey its {girl}, im bored and want some fun. txt me back on {short}",
	"hi there, tried to contact u about ur reply to our offer. call {premium} asap",
	"hey! long time no see, got a new number, ring me on {premium}",
	"hi {name}, your voucher is ready, collect it from {url}",
	"thanks for ur interest in our {service}. ur first week is {rate}",
	"missed call from {national}, ring back to hear your message",
	"hiya, did u get my last msg? still waiting for ur answer, txt {short}",
	"sorry i missed you babe, call me on {premium} x",
	"ur friend {name} thinks ur special, find out why {url}",
	"remember me? we met at {place}, txt {girl} on {short}",
}

// spamTails are the legal small print spam carries.
var spamTails = []string{
	"T&Cs apply", "18+ only", "{pobox}", "{stop}", "{rate}", "T&Cs {url}", "{pobox} {rate}",
	"Cust care {national}", "SP:{girl}", "Std txt rate", "{stop} {rate}",
}
